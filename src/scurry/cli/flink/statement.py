"""`scurry flink statement`: Flink SQL statements, stopped, resumed and rescaled by PUT."""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any

import typer

from scurry.cli.flink import routes, sql_shapes
from scurry.cli.flink.cmf import Cmf, Obj
from scurry.cli.flink.connection import Connection, connected
from scurry.cli.flink.deletion import Deletion, delete_all
from scurry.cli.flink.errors import CommandError, failing
from scurry.cli.flink.files import read_resource
from scurry.cli.flink.options import Environment, Force, Name, Names, OutputFormat, PageSize, need
from scurry.cli.flink.render import Output, emit, listing, serialized, show, show_all, text
from scurry.cli.flink.shapes import project
from scurry.cli.flink.webui_forward import Port, forward_web_ui

app = typer.Typer(name="statement", help="Manage Flink SQL statements.", no_args_is_help=True)
exception_app = typer.Typer(
    name="exception", help="Manage Flink SQL statement exceptions.", no_args_is_help=True
)
app.add_typer(exception_app, name="exception")
DELETION = Deletion("Flink SQL statement", "scurry flink statement list")
HEADERS = ["Creation Date", "Name", "Statement", "Compute Pool", "Status", "Status Detail"]
WAIT_PHASES = ("RUNNING", "COMPLETED", "FAILED", "STOPPED")

Sql = Annotated[
    str | None, typer.Option("--sql", help="REQUIRED: The Flink SQL statement.", show_default=False)
]
ComputePool = Annotated[
    str | None,
    typer.Option(
        "--compute-pool",
        help="REQUIRED: The compute pool name to execute the Flink SQL statement.",
        show_default=False,
    ),
]
Parallelism = Annotated[
    int, typer.Option("--parallelism", min=1, max=65535, help="The parallelism of the statement.")
]
Catalog = Annotated[str | None, typer.Option("--catalog", help="The name of the default catalog.")]
Database = Annotated[
    str | None, typer.Option("--database", help="The name of the default database.")
]
FlinkConfiguration = Annotated[
    str | None,
    typer.Option(
        "--flink-configuration",
        help="The file path to hold the Flink configuration for the statement.",
    ),
]
Wait = Annotated[
    bool,
    typer.Option("--wait", help="Block until the statement is running or has failed."),
]


def row(statement: Obj) -> list[str]:
    metadata = statement.get("metadata") or {}
    spec, status = statement.get("spec") or {}, statement.get("status") or {}
    return [
        text(metadata.get("creationTimestamp")),
        text(metadata.get("name")),
        text(spec.get("statement")),
        text(spec.get("computePoolName")),
        text(status.get("phase")),
        text(status.get("detail")),
    ]


def rows(statement: Obj) -> list[tuple[str, str | None]]:
    return list(zip(HEADERS, row(statement), strict=True))


def body(
    name: str,
    sql: str,
    pool: str,
    parallelism: int,
    catalog: str | None,
    database: str | None,
    configuration: dict[str, Any] | None,
) -> Obj:
    properties = {}
    if catalog:
        properties["sql.current-catalog"] = catalog
    if database:
        properties["sql.current-database"] = database
    spec: Obj = {"statement": sql, "computePoolName": pool, "parallelism": parallelism}
    if properties:
        spec["properties"] = properties
    if configuration:
        spec["flinkConfiguration"] = {str(k): str(v) for k, v in configuration.items()}
    return {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "Statement",
        "metadata": {"name": name},
        "spec": spec,
    }


def wait_for_phase(cmf: Cmf, env: str, name: str, phases: tuple[str, ...]) -> Obj:
    """Poll the statement until its phase is one of `phases`."""
    while True:
        found: Obj = cmf.get(routes.statement(env, name))
        if (found.get("status") or {}).get("phase") in phases:
            return found
        time.sleep(0.5)


@app.command("create")
@connected
def create(
    cmf: Cmf,
    name: Annotated[str | None, typer.Argument(metavar="[NAME]", show_default=False)] = None,
    sql: Sql = None,
    environment: Environment = None,
    compute_pool: ComputePool = None,
    parallelism: Parallelism = 1,
    catalog: Catalog = None,
    database: Database = None,
    flink_configuration: FlinkConfiguration = None,
    wait: Wait = False,
    output: OutputFormat = Output.human,
) -> None:
    """Create a Flink SQL statement."""
    env, query, pool = need(environment=environment, sql=sql, compute_pool=compute_pool)
    name = name or f"cli-{uuid.uuid4().hex[:12]}"
    configuration = read_resource(flink_configuration) if flink_configuration else None
    request = body(name, query, pool, parallelism, catalog, database, configuration)
    with failing(f'failed to create statement "{name}" in the environment "{env}"'):
        created = cmf.post(routes.statements(env), request)
        if wait:
            created = wait_for_phase(cmf, env, name, WAIT_PHASES)
    show(created, output, sql_shapes.STATEMENT, rows)


@app.command("describe")
@connected
def describe(
    cmf: Cmf, name: Name, environment: Environment = None, output: OutputFormat = Output.human
) -> None:
    """Describe a Flink SQL statement."""
    (env,) = need(environment=environment)
    with failing(f'failed to get statement "{name}" in the environment "{env}"'):
        found = cmf.get(routes.statement(env, name))
    show(found, output, sql_shapes.STATEMENT, rows)


@app.command("list")
@connected
def list_(
    cmf: Cmf,
    environment: Environment = None,
    compute_pool: Annotated[
        str | None, typer.Option("--compute-pool", help="Filter by compute pool.")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="Filter by statement status.")
    ] = None,
    page_size: PageSize = 100,
    output: OutputFormat = Output.human,
) -> None:
    """List Flink SQL statements."""
    (env,) = need(environment=environment)
    params = {
        key: value for key, value in (("compute-pool", compute_pool), ("phase", status)) if value
    }
    with failing(f'failed to list statements in the environment "{env}"'):
        found = cmf.pages(routes.statements(env), page_size, what="statements", params=params)
    show_all(found, output, sql_shapes.STATEMENT, HEADERS, row)


@app.command("delete")
@connected
def delete(cmf: Cmf, names: Names, environment: Environment = None, force: Force = False) -> None:
    """Delete one or more Flink SQL statements."""
    (env,) = need(environment=environment)
    delete_all(
        DELETION,
        names,
        exists=lambda name: cmf.exists(routes.statement(env, name)),
        delete=lambda name: cmf.delete(routes.statement(env, name)),
        force=force,
    )


def _changed(cmf: Cmf, env: str, name: str, action: str, **spec: Any) -> None:
    with failing(f'failed to {action} statement "{name}" in the environment "{env}"'):
        found = cmf.get(routes.statement(env, name))
        request = {key: found[key] for key in ("apiVersion", "kind", "metadata", "spec")}
        request["spec"] = {**request["spec"], **spec}
        cmf.put(routes.statement(env, name), request)


@app.command("update")
@connected
def update(
    cmf: Cmf,
    file: Annotated[str, typer.Argument(metavar="RESOURCE_FILE", show_default=False)],
    environment: Environment = None,
    output: OutputFormat = Output.human,
) -> None:
    """Update a Flink SQL statement from a resource file (the whole resource, as PUT)."""
    (env,) = need(environment=environment)
    resource = read_resource(file)
    name = str((resource.get("metadata") or {}).get("name") or "")
    with failing(f'failed to update statement "{name}" in the environment "{env}"'):
        cmf.put(routes.statement(env, name), resource)  # CMF answers without a body
        updated = cmf.get(routes.statement(env, name))
    show(updated, output, sql_shapes.STATEMENT, rows)


@app.command("stop")
@connected
def stop(cmf: Cmf, name: Name, environment: Environment = None) -> None:
    """Stop a Flink SQL statement (Flink takes a savepoint)."""
    (env,) = need(environment=environment)
    _changed(cmf, env, name, "stop", stopped=True)
    emit(f'Requested to stop Flink SQL statement "{name}".')


@app.command("resume")
@connected
def resume(cmf: Cmf, name: Name, environment: Environment = None) -> None:
    """Resume a stopped Flink SQL statement from its savepoint."""
    (env,) = need(environment=environment)
    _changed(cmf, env, name, "resume", stopped=False)
    emit(f'Requested to resume Flink SQL statement "{name}".')


@app.command("rescale")
@connected
def rescale(
    cmf: Cmf,
    name: Name,
    environment: Environment = None,
    parallelism: Annotated[
        int | None,
        typer.Option("--parallelism", min=1, help="REQUIRED: New parallelism of the statement."),
    ] = None,
) -> None:
    """Rescale a Flink SQL statement."""
    (env,) = need(environment=environment)
    if parallelism is None:
        raise CommandError('required flag(s) "parallelism" not set', exit_code=2)
    _changed(cmf, env, name, "rescale", parallelism=parallelism)
    emit(f'Requested to rescale Flink SQL statement "{name}" to parallelism {parallelism}.')


@exception_app.command("list")
@connected
def exception_list(
    cmf: Cmf, name: Name, environment: Environment = None, output: OutputFormat = Output.human
) -> None:
    """List the exceptions of a Flink SQL statement (the last 10)."""
    (env,) = need(environment=environment)
    with failing(f'failed to list exceptions of statement "{name}" in the environment "{env}"'):
        found = cmf.get(routes.statement_exceptions(env, name))
    items = found.get("data") or []
    if output is Output.human:
        headers = ["Name", "Timestamp", "Message"]
        table = [[text(e.get(h.lower())) for h in headers] for e in items]
        emit(listing(headers, table))
    else:
        emit(serialized([project(e, sql_shapes.STATEMENT_EXCEPTION) for e in items], output))


@app.command("web-ui-forward")
@connected
def web_ui_forward(
    cmf: Cmf,
    connection: Connection,
    name: Name,
    environment: Environment = None,
    port: Port = 0,
) -> None:
    """Forward the web UI of the Flink cluster a statement runs on."""
    (env,) = need(environment=environment)
    forward_web_ui(
        cmf,
        connection,
        f'statement "{name}"',
        routes.statement(env, name),
        routes.statement_web_ui(env, name),
        env,
        port,
    )
