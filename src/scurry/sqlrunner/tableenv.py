"""A TableEnvironment prepared for one statement, and what Flink says about the statement.

Every statement gets a fresh TableEnvironment (creating one in a running
gateway takes a fraction of a second): the context's setup statements
(catalogs, databases, tables, views, functions) are replayed, its
properties pick the current catalog and database, its configuration goes
into the table configuration. Nothing carries over from one statement to
the next, so the control plane's stored catalog is the only state.
"""

from __future__ import annotations

from typing import Any

from pyflink.common import Configuration
from pyflink.java_gateway import get_gateway
from pyflink.table import EnvironmentSettings, TableEnvironment
from pyflink.table.explain_detail import ExplainDetail

from scurry.sqlrunner.statements import parse_set

DEFAULT_CATALOG = "default_catalog"
CURRENT_CATALOG = "sql.current-catalog"
CURRENT_DATABASE = "sql.current-database"
FIXED_JOB_ID = "$internal.pipeline.job-id"
QUERY_OPERATIONS = ("PlannerQueryOperation",)
_IDENTIFIER_GETTERS = ("getTableIdentifier", "getViewIdentifier", "getFunctionIdentifier")


class StatementError(Exception):
    """Flink refused a statement: its message, ready for a statement's `detail`."""


def create(
    configuration: dict[str, str], target: tuple[str, int] | None = None
) -> TableEnvironment:
    """A streaming TableEnvironment; with `target`, jobs go to that JobManager's REST API."""
    conf = Configuration()
    if target is not None:
        host, port = target
        conf.set_string("execution.target", "remote")
        conf.set_string("rest.address", host)
        conf.set_string("rest.port", str(port))
    for key, value in configuration.items():
        conf.set_string(key, value)
    settings = EnvironmentSettings.new_instance().in_streaming_mode().with_configuration(conf)
    return TableEnvironment.create(settings.build())


def prepare(tenv: TableEnvironment, context: dict[str, Any]) -> None:
    """Replay the context's setup, then choose the current catalog and database."""
    for statement in context.get("setup") or []:
        run(tenv, statement, "setting up the session")
    properties: dict[str, str] = context.get("properties") or {}
    catalog = properties.get(CURRENT_CATALOG)
    database = properties.get(CURRENT_DATABASE)
    if catalog:
        run(tenv, f"USE CATALOG {quote(catalog)}", f"property {CURRENT_CATALOG}")
    if database:
        run(tenv, f"USE {quote(database)}", f"property {CURRENT_DATABASE}")


def run(tenv: TableEnvironment, statement: str, purpose: str | None = None) -> Any:
    """executeSql, with SET / RESET applied to the table configuration."""
    command = parse_set(statement)
    try:
        if command is None:
            return tenv.execute_sql(statement)
        config = tenv.get_config()
        if command.key is not None and command.value is not None:
            config.set(command.key, command.value)
        elif command.key is not None:
            config.get_configuration().remove_config(command.key)
        return None
    except Exception as exc:
        message = java_error(exc)
        raise StatementError(f"{purpose}: {message}" if purpose else message) from None


def quote(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def java_error(exc: BaseException) -> str:
    """Flink's own message: the Java exception and, when they add something, its causes."""
    current = getattr(exc, "java_exception", None)
    if current is None:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    messages: list[str] = []
    while current is not None and len(messages) < 4:
        message = str(current.getMessage() or current.getClass().getSimpleName()).strip()
        if not any(message in earlier for earlier in messages):
            messages.append(message)
        current = current.getCause()
    return "\nCaused by: ".join(messages)


# -- analysis ---------------------------------------------------------------------------


def analyze(tenv: TableEnvironment, statement: str) -> dict[str, Any]:
    """What the planner says about `statement` without running it.

    `operation` is Flink's operation class; for queries and inserts also the
    sources' boundedness, the optimized plan with changelog modes, upsert
    keys and the result columns (name and Flink type).
    """
    if parse_set(statement) is not None:
        return {"operation": "SetOperation"}
    try:
        operation = _parse(tenv, statement)
        found: dict[str, Any] = {"operation": operation.getClass().getSimpleName()}
        target = _target_catalog(operation)
        if target is not None:
            found["targetCatalog"] = target
        if found["operation"] in QUERY_OPERATIONS:
            found.update(_query_traits(tenv, statement, operation))
        elif found["operation"] in ("SinkModifyOperation", "StatementSetOperation"):
            found.update(_insert_traits(tenv, statement, operation))
        return found
    except StatementError:
        raise
    except Exception as exc:
        raise StatementError(java_error(exc)) from None


def _parse(tenv: TableEnvironment, statement: str) -> Any:
    operations = tenv._j_tenv.getParser().parse(statement)
    if operations.size() != 1:
        raise StatementError("a statement must hold exactly one SQL statement")
    return operations.get(0)


def _target_catalog(operation: Any) -> str | None:
    """The catalog a DDL operation changes (None when it names no catalog object)."""
    for getter in _IDENTIFIER_GETTERS:
        method = getattr(operation, getter, None)
        if method is None:
            continue
        try:
            return str(method().getCatalogName())
        except Exception:  # py4j offers every name; the class may not have this one
            continue
    try:
        return str(operation.getCatalogName())
    except Exception:  # no catalog name on this operation
        return None


def _query_traits(tenv: TableEnvironment, statement: str, operation: Any) -> dict[str, Any]:
    gateway = get_gateway()
    collect = gateway.jvm.org.apache.flink.table.operations.CollectModifyOperation(operation)
    schema = operation.getResolvedSchema()
    columns = [
        {"name": column.getName(), "type": _type_string(column.getDataType().getLogicalType())}
        for column in schema.getColumns()
    ]
    return {
        "columns": columns,
        "sources": _source_boundedness(tenv, [collect]),
        "plan": tenv.explain_sql(statement, ExplainDetail.CHANGELOG_MODE),
        "upsertKeys": _upsert_keys(operation),
    }


def _insert_traits(tenv: TableEnvironment, statement: str, operation: Any) -> dict[str, Any]:
    if operation.getClass().getSimpleName() == "StatementSetOperation":
        modifies = list(operation.getOperations())
    else:
        modifies = [operation]
    return {
        "sources": _source_boundedness(tenv, modifies),
        "plan": tenv.explain_sql(statement, ExplainDetail.CHANGELOG_MODE),
    }


def _source_boundedness(tenv: TableEnvironment, modifies: list[Any]) -> list[str]:
    """BOUNDED / CONTINUOUS_UNBOUNDED of every source the statement's job would have."""
    gateway = get_gateway()
    operations = gateway.jvm.java.util.ArrayList()
    for modify in modifies:
        operations.add(modify)
    pending = list(tenv._j_tenv.getPlanner().translate(operations))
    seen: set[int] = set()
    found: list[str] = []
    while pending:
        transformation = pending.pop()
        if transformation.getId() in seen:
            continue
        seen.add(transformation.getId())
        inputs = list(transformation.getInputs())
        if not inputs:
            getter = getattr(transformation, "getBoundedness", None)
            found.append(str(getter()) if getter is not None else "CONTINUOUS_UNBOUNDED")
        pending.extend(inputs)
    return found


def _upsert_keys(operation: Any) -> list[list[int]]:
    """The query's upsert keys (column indexes), as Flink's metadata query derives them."""
    try:
        tree = operation.getCalciteTree()
        keys = tree.getCluster().getMetadataQuery().getUpsertKeys(tree)
    except Exception:  # not every plan offers metadata; no keys is a safe answer
        return []
    if keys is None:
        return []
    return [[int(index) for index in key.toList()] for key in keys]


def _type_string(logical_type: Any) -> str:
    try:
        return str(logical_type.asSerializableString())
    except Exception:  # types without a serializable form (RAW, legacy) have a summary
        return str(logical_type.asSummaryString())


# -- results and the stored catalog -----------------------------------------------------


def result_columns(result: Any) -> list[dict[str, str]]:
    return _columns(result._j_table_result.getResolvedSchema())


def _columns(schema: Any) -> list[dict[str, str]]:
    return [
        {"name": column.getName(), "type": _type_string(column.getDataType().getLogicalType())}
        for column in schema.getColumns()
    ]


LOCAL_ZONED = "TIMESTAMP_WITH_LOCAL_TIME_ZONE"


def collectable(tenv: TableEnvironment, query: str) -> tuple[str, list[dict[str, str]] | None]:
    """The query to collect rows of, and its declared columns when they differ from it.

    PyFlink cannot hand TIMESTAMP_LTZ values to Python (its pickler fails on
    java.time.Instant, measured with Flink 2.3: the collect ends without rows), so such
    columns are cast to TIMESTAMP, which shows the same instant in the session's time
    zone; the statement still reports the columns with their declared types.
    """
    try:
        schema = tenv.sql_query(query)._j_table.getResolvedSchema()
    except Exception:  # not a plain query: executing it reports what is wrong
        return query, None
    casts, changed = [], False
    for column in schema.getColumns():
        name, kind = quote(column.getName()), column.getDataType().getLogicalType()
        if str(kind.getTypeRoot()) == LOCAL_ZONED:
            casts.append(f"CAST({name} AS TIMESTAMP({int(kind.getPrecision())})) AS {name}")
            changed = True
        else:
            casts.append(name)
    if not changed:
        return query, None
    return f"SELECT {', '.join(casts)} FROM ({query})", _columns(schema)


def describe_catalog(tenv: TableEnvironment, name: str = DEFAULT_CATALOG) -> list[dict[str, str]]:
    """The permanent objects of catalog `name`, each with the DDL that recreates it."""
    catalog = tenv._j_tenv.getCatalog(name).get()
    object_path = get_gateway().jvm.org.apache.flink.table.catalog.ObjectPath
    entries: list[dict[str, str]] = []
    for database in sorted(catalog.listDatabases()):
        prefix = f"{quote(name)}.{quote(database)}"
        entries.append(
            {
                "kind": "database",
                "database": database,
                "name": database,
                "ddl": f"CREATE DATABASE IF NOT EXISTS {prefix}",
            }
        )
        for function in sorted(catalog.listFunctions(database)):
            found = catalog.getFunction(object_path(database, function))
            ddl = (
                f"CREATE FUNCTION {prefix}.{quote(function)} AS '{found.getClassName()}' "
                f"LANGUAGE {found.getFunctionLanguage().name()}"
            )
            entries.append({"kind": "function", "database": database, "name": function, "ddl": ddl})
        views = set(catalog.listViews(database))
        for table in sorted(catalog.listTables(database)):
            kind = "view" if table in views else "table"
            shown = f"SHOW CREATE {kind.upper()} {prefix}.{quote(table)}"
            with tenv.execute_sql(shown).collect() as rows:
                ddl = str(next(iter(rows))[0]).strip()
            entries.append({"kind": kind, "database": database, "name": table, "ddl": ddl})
    return entries
