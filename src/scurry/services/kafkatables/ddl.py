"""Flink SQL DDL for Kafka catalogs: the statements that register them in a TableEnvironment.

`catalog_ddl` and `database_ddl` create the (in-memory) catalog and database,
`create_table_ddl` one table, all with quoted identifiers. Table options hold
the connection's secrets in clear, as Flink needs them: pass `redact=True`
for anything a person may read (logs, SHOW CREATE TABLE answers).
"""

from __future__ import annotations

from collections.abc import Iterable

from scurry.services.kafkatables.flinktypes import literal, quote
from scurry.services.kafkatables.tables import DatabaseTables, KafkaTable

MASK = "****"


def catalog_ddl(catalog: str) -> str:
    return f"CREATE CATALOG IF NOT EXISTS {quote(catalog)} WITH ('type' = 'generic_in_memory')"


def database_ddl(catalog: str, database: str) -> str:
    return f"CREATE DATABASE IF NOT EXISTS {quote(catalog)}.{quote(database)}"


def table_name(table: KafkaTable) -> str:
    return ".".join(quote(part) for part in (table.catalog, table.database, table.name))


def create_table_ddl(table: KafkaTable, *, redact: bool = False) -> str:
    columns = ",\n".join(f"  {quote(c.name)} {c.type}" for c in table.columns)
    options = ",\n".join(
        f"  {literal(o.key)} = {literal(MASK if redact and o.secret else o.value)}"
        for o in table.options
    )
    return f"CREATE TABLE {table_name(table)} (\n{columns}\n) WITH (\n{options}\n)"


def register_ddl(databases: Iterable[DatabaseTables]) -> list[str]:
    """Everything to run, in order, to make the databases' tables queryable."""
    statements: list[str] = []
    for found in databases:
        for statement in (
            catalog_ddl(found.catalog),
            database_ddl(found.catalog, found.database),
            *(create_table_ddl(table) for table in found.tables),
        ):
            if statement not in statements:
                statements.append(statement)
    return statements
