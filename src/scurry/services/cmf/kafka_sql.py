"""What the SQL engine runs so that an environment's statements see its Kafka catalogs.

The one entry point is `kafka_sql_setup(ctx, env, connectors_dir)`. It returns
a `KafkaSqlSetup`:

- `statements`: CREATE CATALOG / CREATE DATABASE / CREATE TABLE, in order, to
  replay in a TableEnvironment before the user's statement (secrets in clear,
  as Flink's connector needs them; log `redacted()` instead);
- `jars`: every jar of the connectors directory, for `pipeline.jars`
  (`pipeline_jars()` gives the option's value);
- `notes`: why a catalog, database or table is missing (no secret mapping in
  this environment, a registry that did not answer, a schema with no SQL type);
- `catalogs`: the Kafka catalog names; they are read-only, as in CMF:
  `read_only_refusal(catalog)` is the message for DDL aimed at one;
- `missing_jars(sql, properties)`: a message when the statement names a Kafka
  table whose connector or format jar is not in the directory (checked before
  running, so the user learns what to install rather than Flink's factory
  error), and `explain_failure(flink_message)` turns Flink's "Could not find
  any factory for identifier ..." into the same message when it comes anyway.

The tables are derived from Schema Registry on every call (nothing is cached):
a subject registered a moment ago is a table in the next statement, as with
CMF's catalogs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from scurry.services.cmf.catalog_access import environment_tables
from scurry.services.cmf.context import CmfContext
from scurry.services.kafkatables import connectors, registry
from scurry.services.kafkatables.ddl import create_table_ddl, register_ddl
from scurry.services.kafkatables.tables import KafkaTable

CURRENT_CATALOG = "sql.current-catalog"
CURRENT_DATABASE = "sql.current-database"
_MISSING_FACTORY = re.compile(r"Could not find any factory for identifier '([^']+)'")


@dataclass(frozen=True)
class KafkaSqlSetup:
    statements: tuple[str, ...]
    tables: tuple[KafkaTable, ...]
    catalogs: frozenset[str]
    jars: tuple[Path, ...]
    connectors_dir: Path
    notes: tuple[str, ...] = ()

    def redacted(self) -> list[str]:
        """The statements with secret option values masked, for logs and answers."""
        masked = {create_table_ddl(t): create_table_ddl(t, redact=True) for t in self.tables}
        return [masked.get(s, s) for s in self.statements]

    def pipeline_jars(self) -> str:
        """The value of Flink's `pipeline.jars` for the connectors directory ("" if empty)."""
        return ";".join(jar.resolve().as_uri() for jar in self.jars)

    def read_only_refusal(self, catalog: str | None) -> str | None:
        """Why DDL on `catalog` is refused (None when it is not a Kafka catalog)."""
        if catalog is None or catalog not in self.catalogs:
            return None
        return (
            f"catalog {catalog!r} is a Kafka catalog and is read-only: its tables are the "
            "topics of its databases, with columns from Schema Registry; create tables in "
            "the environment's default catalog instead"
        )

    def missing_jars(self, sql: str, properties: Mapping[str, str] | None = None) -> str | None:
        """What the Kafka tables `sql` names need and the connectors directory lacks, or None.

        A table counts as named when the statement holds its full name
        (`catalog.database.table`, each part quoted or not), its
        `database.table` name while the current catalog is its catalog, or its
        bare name while the current catalog and database are its own.
        """
        used = [t for t in self.tables if _names(sql, t, properties or {})]
        return connectors.explain(used, self.connectors_dir) if used else None

    def explain_failure(self, flink_message: str) -> str | None:
        """The missing-jar message for Flink's missing-factory error; None for other errors.

        It names every jar the table Flink could not open lacks (every table using
        that factory when Flink names none), not only the one it tripped on first.
        """
        found = _MISSING_FACTORY.search(flink_message)
        if found is None or found.group(1) not in connectors.REQUIREMENTS:
            return None
        identifier = found.group(1)
        users = [t for t in self.tables if identifier in (t.option("connector"), *t.formats)]
        # Flink names the table it could not open ("... for reading table 'c.d.t'").
        named = [t for t in users if f"table '{t.catalog}.{t.database}.{t.name}'" in flink_message]
        users = named or users
        gaps = connectors.missing(users, self.connectors_dir)
        if gaps:
            return "; ".join(gap.message(self.connectors_dir) for gap in gaps)
        requirement = connectors.REQUIREMENTS[identifier]
        return (
            f"Flink found no '{identifier}' factory: put {requirement.what} in "
            f"{self.connectors_dir} (and make sure the statement's cluster loads that directory)"
        )


async def kafka_sql_setup(
    ctx: CmfContext,
    env: str,
    connectors_dir: Path,
    *,
    registry_timeout: float = registry.DEFAULT_TIMEOUT,
) -> KafkaSqlSetup:
    """The statements, jars and notes that give environment `env`'s SQL its Kafka catalogs.

    Read-only: nothing is stored. `NotFound` when `env` does not exist; a
    registry that fails leaves its database out with a note instead of failing.
    """
    found = await environment_tables(ctx, env, registry_timeout=registry_timeout)
    tables = tuple(t for database in found.databases for t in database.tables)
    return KafkaSqlSetup(
        statements=tuple(register_ddl(found.databases)),
        tables=tables,
        catalogs=frozenset(d.catalog for d in found.databases),
        jars=tuple(connectors.jar_paths(connectors_dir)),
        connectors_dir=connectors_dir,
        notes=tuple(found.notes),
    )


def _names(sql: str, table: KafkaTable, properties: Mapping[str, str]) -> bool:
    parts = [table.catalog, table.database, table.name]
    current = (properties.get(CURRENT_CATALOG), properties.get(CURRENT_DATABASE))
    forms: Iterable[list[str]] = [parts]
    if current[0] == table.catalog:
        forms = [*forms, parts[1:]]
        if current[1] == table.database:
            forms = [*forms, parts[2:]]
    return any(_path_pattern(form).search(sql) for form in forms)


def _path_pattern(parts: list[str]) -> re.Pattern[str]:
    """An object path in SQL text: each part bare or in backticks, dots between, whole words."""
    quoted = [rf"(?:`{re.escape(p.replace('`', '``'))}`|{re.escape(p)}(?![\w$]))" for p in parts]
    return re.compile(r"(?<![\w$`.])" + r"\s*\.\s*".join(quoted))
