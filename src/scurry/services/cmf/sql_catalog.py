"""Each environment's default catalog, kept by scurry, and what a statement sees.

Flink's in-memory catalog forgets everything when its TableEnvironment goes;
scurry keeps the environment's tables, views and functions as the DDL that
recreates them (Flink's own `SHOW CREATE ...` text) in one `CmfSqlCatalog`
record per environment, and replays it before every statement. A DDL
statement runs against that replay, and the catalog the engine describes
afterwards replaces the record, so a later statement sees what an earlier
one created, across restarts of everything.

Kafka catalogs (Schema Registry-derived tables) come through `kafka`, the
one seam between the two (`kafka_sql.kafka_sql_setup`): their DDL is
replayed first, their connector jars go into `pipeline.jars`, and they stay
read-only (a DDL statement that targets them fails).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scurry.errors import Conflict
from scurry.ports import Obj
from scurry.services.cmf import kinds, records
from scurry.services.cmf.context import CmfContext
from scurry.services.cmf.kafka_sql import KafkaSqlSetup, kafka_sql_setup

DEFAULT_CATALOG = "default_catalog"
RECORD_NAME = "default"
CURRENT_CATALOG = "sql.current-catalog"
CURRENT_DATABASE = "sql.current-database"


async def kafka(ctx: CmfContext, env_name: str) -> KafkaSqlSetup | None:
    """The Kafka catalogs `env_name` sees (None when no connectors directory is set)."""
    if ctx.connectors_dir is None:
        return None
    return await kafka_sql_setup(ctx, env_name, ctx.connectors_dir)


async def entries(ctx: CmfContext, env_name: str) -> list[dict[str, str]]:
    found = await records.find(ctx.cmf, kinds.SQL_CATALOG, env_name, RECORD_NAME)
    return list((found or {}).get("spec", {}).get("entries") or [])


@dataclass(frozen=True)
class Setup:
    """What a statement of an environment sees before its own text runs."""

    statements: list[str]
    kafka: KafkaSqlSetup | None = None

    def configuration(self) -> dict[str, str]:
        """The connector jars, for `pipeline.jars` (nothing when there are none)."""
        jars = self.kafka.pipeline_jars() if self.kafka is not None else ""
        return {"pipeline.jars": jars} if jars else {}

    def refusal(self, statement: str, properties: dict[str, str]) -> str | None:
        """Why `statement` cannot run here (a connector jar missing), or None."""
        return self.kafka.missing_jars(statement, properties) if self.kafka else None

    def read_only(self, catalog: str | None) -> str | None:
        return self.kafka.read_only_refusal(catalog) if self.kafka else None

    def explained(self, message: str) -> str:
        """Flink's message, or scurry's clearer one when a connector jar is missing."""
        found = self.kafka.explain_failure(message) if self.kafka else None
        return found or message


async def setup(ctx: CmfContext, env_name: str) -> Setup:
    """The DDL replayed before a statement of `env_name`: Kafka catalogs, then its own."""
    own = [e["ddl"] for e in await entries(ctx, env_name) if e.get("ddl")]
    found = await kafka(ctx, env_name)
    return Setup([*(found.statements if found else ()), *own], found)


def context(found: Setup, spec: dict[str, Any], configuration: dict[str, str]) -> dict[str, Any]:
    return {
        "setup": found.statements,
        "properties": dict(spec.get("properties") or {}),
        "configuration": {**found.configuration(), **configuration},
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
