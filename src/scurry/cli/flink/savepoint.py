"""`scurry flink savepoint`: savepoints of an application (or a statement), and detaching them.

Each command names the owner with `--application` or `--statement` (one of
the two). A savepoint is requested, not awaited: its state moves from
TRIGGER_PENDING to COMPLETED as the controller takes it (`describe` shows it).
"""

from __future__ import annotations

from typing import Annotated

import typer

from scurry.cli.flink import routes, shapes
from scurry.cli.flink.cmf import Cmf, Obj
from scurry.cli.flink.connection import connected
from scurry.cli.flink.deletion import Deletion, delete_all
from scurry.cli.flink.errors import failing
from scurry.cli.flink.options import Environment, Name, Names, OutputFormat, PageSize, need, one_of
from scurry.cli.flink.render import Output, Rows, optional, show, show_all, text

app = typer.Typer(name="savepoint", help="Manage Flink savepoints.", no_args_is_help=True)
DELETION = Deletion("Flink savepoint", "scurry flink savepoint list")

OwnerApplication = Annotated[
    str | None,
    typer.Option("--application", help="Name of the Flink application.", show_default=False),
]
OwnerStatement = Annotated[
    str | None,
    typer.Option("--statement", help="Name of the Flink statement.", show_default=False),
]


def owner(application: str | None, statement: str | None) -> tuple[str, str]:
    """(`applications` | `statements`, name) from the one of the two flags given."""
    one_of(application=application, statement=statement)
    return ("statements", statement) if statement else ("applications", application or "")


def rows_for(application: str | None, statement: str | None) -> Rows:
    """The box of one savepoint, naming its owner as the command named it."""

    def rows(savepoint: Obj) -> list[tuple[str, str | None]]:
        metadata, spec = savepoint.get("metadata") or {}, savepoint.get("spec") or {}
        status = savepoint.get("status") or {}
        return [
            ("Name", text(metadata.get("name"))),
            ("Application", optional(application)),
            ("Statement", optional(statement)),
            ("Path", optional(spec.get("path") or status.get("path"))),
            ("Format", optional(spec.get("formatType"))),
            ("Backoff Limit", optional(spec.get("backoffLimit"))),
            ("UID", optional(metadata.get("uid"))),
            ("State", optional(status.get("state"))),
        ]

    return rows


@app.command("create")
@connected
def create(
    cmf: Cmf,
    name: Annotated[str | None, typer.Argument(metavar="[NAME]", show_default=False)] = None,
    environment: Environment = None,
    application: OwnerApplication = None,
    statement: OwnerStatement = None,
    path: Annotated[
        str | None,
        typer.Option("--path", help="The directory where the savepoint should be stored."),
    ] = None,
    format_type: Annotated[
        str, typer.Option("--format", help="The format of the savepoint: CANONICAL or NATIVE.")
    ] = "CANONICAL",
    backoff_limit: Annotated[
        int,
        typer.Option(
            "--backoff-limit",
            help="Maximum number of retries before the snapshot is considered failed. "
            "Set to -1 for unlimited or 0 for no retries.",
        ),
    ] = 0,
    output: OutputFormat = Output.human,
) -> None:
    """Create a Flink savepoint."""
    (env,) = need(environment=environment)
    kind, owner_name = owner(application, statement)
    spec: Obj = {"backoffLimit": backoff_limit, "formatType": format_type}
    if path:
        spec["path"] = path
    body = {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "Savepoint",
        "metadata": {"name": name} if name else {},
        "spec": spec,
    }
    with failing(f'failed to create savepoint "{name or ""}" in the environment "{env}"'):
        created = cmf.post(routes.savepoints(env, kind, owner_name), body)
    show(created, output, shapes.SAVEPOINT, rows_for(application, statement))


@app.command("describe")
@connected
def describe(
    cmf: Cmf,
    name: Name,
    environment: Environment = None,
    application: OwnerApplication = None,
    statement: OwnerStatement = None,
    output: OutputFormat = Output.human,
) -> None:
    """Describe a Flink savepoint."""
    (env,) = need(environment=environment)
    kind, owner_name = owner(application, statement)
    with failing(f'failed to describe savepoint "{name}" in the environment "{env}"'):
        savepoint = cmf.get(routes.savepoint(env, kind, owner_name, name))
    show(savepoint, output, shapes.SAVEPOINT, rows_for(application, statement))


@app.command("detach")
@connected
def detach(
    cmf: Cmf,
    name: Name,
    environment: Environment = None,
    application: OwnerApplication = None,
    output: OutputFormat = Output.human,
) -> None:
    """Detach a Flink savepoint from its application (it becomes a detached savepoint)."""
    env, app_name = need(environment=environment, application=application)
    target = routes.savepoint(env, "applications", app_name, name) + "/detach"
    with failing(f'failed to detach savepoint "{name}" in the environment "{env}"'):
        detached = cmf.post(target)
    show(detached, output, shapes.SAVEPOINT, rows_for(app_name, None))


@app.command("list")
@connected
def list_(
    cmf: Cmf,
    environment: Environment = None,
    application: OwnerApplication = None,
    statement: OwnerStatement = None,
    page_size: PageSize = 100,
    output: OutputFormat = Output.human,
) -> None:
    """List the savepoints of a Flink application or statement."""
    (env,) = need(environment=environment)
    kind, owner_name = owner(application, statement)
    with failing(f'failed to list savepoints in the environment "{env}"'):
        found = cmf.pages(routes.savepoints(env, kind, owner_name), page_size, what="savepoints")
    headers = ["Name", "Application", "Statement", "Path", "Format", "Backoff Limit", "UID"]
    show_all(
        found,
        output,
        shapes.SAVEPOINT,
        [*headers, "State"],
        lambda s: list_row(s, application, statement),
        right_aligned=[5],
    )


def list_row(savepoint: Obj, application: str | None, statement: str | None) -> list[str]:
    metadata, spec = savepoint.get("metadata") or {}, savepoint.get("spec") or {}
    status = savepoint.get("status") or {}
    return [
        text(metadata.get("name")),
        text(application),
        text(statement),
        text(spec.get("path") or status.get("path")),
        text(spec.get("formatType")),
        text(spec.get("backoffLimit")),
        text(metadata.get("uid")),
        text(status.get("state")),
    ]


@app.command("delete")
@connected
def delete(
    cmf: Cmf,
    names: Names,
    environment: Environment = None,
    application: OwnerApplication = None,
    statement: OwnerStatement = None,
    force: Annotated[
        bool, typer.Option("--force", help="Skip the prompt, and delete even if in use.")
    ] = False,
) -> None:
    """Delete Flink savepoints."""
    (env,) = need(environment=environment)
    kind, owner_name = owner(application, statement)
    params = {"force": "true"} if force else None
    delete_all(
        DELETION,
        names,
        exists=lambda name: cmf.exists(routes.savepoint(env, kind, owner_name, name)),
        delete=lambda name: cmf.delete(routes.savepoint(env, kind, owner_name, name), params),
        force=force,
    )
