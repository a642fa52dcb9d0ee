"""Each environment's default catalog, kept by scurry, and what a statement sees.

Flink's in-memory catalog forgets everything when its TableEnvironment goes;
scurry keeps the environment's tables, views and functions as the DDL that
recreates them (Flink's own `SHOW CREATE ...` text) in one `CmfSqlCatalog`
record per environment, and replays it before every statement. A DDL
statement runs against that replay, and the catalog the engine describes
afterwards replaces the record, so a later statement sees what an earlier
one created, across restarts of everything.

Kafka catalogs (Schema Registry-derived tables) come through
`kafka_catalog_ddl`, the one seam between the two: their DDL is replayed
first, and they stay read-only (a DDL statement that targets them fails).
"""

from __future__ import annotations

from typing import Any

from scurry.errors import Conflict
from scurry.ports import Obj
from scurry.services.cmf import kinds, records
from scurry.services.cmf.context import CmfContext

DEFAULT_CATALOG = "default_catalog"
RECORD_NAME = "default"
CURRENT_CATALOG = "sql.current-catalog"
CURRENT_DATABASE = "sql.current-database"


async def kafka_catalog_ddl(ctx: CmfContext, env_name: str) -> list[str]:
    """CREATE CATALOG / TABLE statements for the Kafka catalogs `env_name` sees.

    The seam for Schema Registry-derived catalogs: none yet in this build.
    """
    del ctx, env_name
    return []


async def entries(ctx: CmfContext, env_name: str) -> list[dict[str, str]]:
    found = await records.find(ctx.cmf, kinds.SQL_CATALOG, env_name, RECORD_NAME)
    return list((found or {}).get("spec", {}).get("entries") or [])


async def setup(ctx: CmfContext, env_name: str) -> list[str]:
    """The DDL replayed before a statement of `env_name`: Kafka catalogs, then its own."""
    own = [e["ddl"] for e in await entries(ctx, env_name) if e.get("ddl")]
    return [*await kafka_catalog_ddl(ctx, env_name), *own]


def context(
    setup: list[str], spec: dict[str, Any], configuration: dict[str, str]
) -> dict[str, Any]:
    return {
        "setup": setup,
        "properties": dict(spec.get("properties") or {}),
        "configuration": configuration,
    }


async def replace(ctx: CmfContext, env_name: str, described: list[dict[str, str]]) -> None:
    """Store what the engine described as the environment's default catalog."""
    kept = [dict(e) for e in described if e.get("kind") != "database" or _not_default(e)]
    found = await records.find(ctx.cmf, kinds.SQL_CATALOG, env_name, RECORD_NAME)
    now = ctx.now()
    if found is None:
        obj = records.record(kinds.SQL_CATALOG, env_name, RECORD_NAME, {"entries": kept})
        try:
            await records.create(ctx.cmf, obj, now, "SQL catalog")
            return
        except Conflict:  # another DDL statement created it meanwhile: replace that one
            found = await ctx.cmf.get(kinds.SQL_CATALOG, env_name, RECORD_NAME)
    await records.replace(ctx.cmf, found, {"entries": kept}, now)


async def drop(ctx: CmfContext, env_name: str) -> None:
    found: Obj | None = await records.find(ctx.cmf, kinds.SQL_CATALOG, env_name, RECORD_NAME)
    if found is not None:
        await records.delete_quietly(ctx.cmf, found)


def _not_default(entry: dict[str, str]) -> bool:
    """The default database always exists: recreating it is noise."""
    return entry.get("name") != "default_database"
