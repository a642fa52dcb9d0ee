"""`scurry flink detached-savepoint`: savepoints that belong to no application.

A detached savepoint records where savepoint data is; an application can start
from it. Deleting one forgets the record, never the data.
"""

from __future__ import annotations

from typing import Annotated

import typer

from scurry.cli.flink import routes, shapes
from scurry.cli.flink.cmf import Cmf, Obj
from scurry.cli.flink.connection import connected
from scurry.cli.flink.deletion import Deletion, delete_all
from scurry.cli.flink.errors import failing
from scurry.cli.flink.options import Force, Name, Names, OutputFormat, PageSize, need
from scurry.cli.flink.render import Output, optional, show, show_all, text

app = typer.Typer(
    name="detached-savepoint", help="Manage Flink detached savepoints.", no_args_is_help=True
)
DELETION = Deletion("Flink detached savepoint", "scurry flink detached-savepoint list")
HEADERS = ["Name", "Path", "Format", "Backoff Limit", "Creation Timestamp", "UID"]


def rows(savepoint: Obj) -> list[tuple[str, str | None]]:
    metadata, spec = savepoint.get("metadata") or {}, savepoint.get("spec") or {}
    return [
        ("Name", text(metadata.get("name"))),
        ("Path", optional(spec.get("path"))),
        ("Format", optional(spec.get("formatType"))),
        ("Backoff Limit", optional(spec.get("backoffLimit"))),
        ("Creation Timestamp", optional(metadata.get("creationTimestamp"))),
        ("UID", optional(metadata.get("uid"))),
    ]


def row(savepoint: Obj) -> list[str]:
    return [text(value) for _, value in rows(savepoint)]


@app.command("create")
@connected
def create(
    cmf: Cmf,
    name: Name,
    path: Annotated[
        str | None,
        typer.Option(
            "--path", help="REQUIRED: The path to the savepoint data.", show_default=False
        ),
    ] = None,
    output: OutputFormat = Output.human,
) -> None:
    """Create a Flink detached savepoint."""
    (where,) = need(path=path)
    body = {
        "apiVersion": "cmf.confluent.io/v1",
        "kind": "Savepoint",
        "metadata": {"name": name},
        "spec": {"path": where},
    }
    with failing(f'failed to create detached savepoint "{name}"'):
        created = cmf.post(routes.detached_savepoints(), body)
    show(created, output, shapes.SAVEPOINT, rows)


@app.command("describe")
@connected
def describe(cmf: Cmf, name: Name, output: OutputFormat = Output.human) -> None:
    """Describe a Flink detached savepoint."""
    with failing(f'failed to describe detached savepoint "{name}"'):
        savepoint = cmf.get(routes.detached_savepoint(name))
    show(savepoint, output, shapes.SAVEPOINT, rows)


@app.command("list")
@connected
def list_(
    cmf: Cmf,
    name_filter: Annotated[
        str | None,
        typer.Option("--filter", help="Only detached savepoints whose name starts with this."),
    ] = None,
    page_size: PageSize = 100,
    output: OutputFormat = Output.human,
) -> None:
    """List Flink detached savepoints."""
    params = {"name": name_filter} if name_filter else None
    with failing("failed to list detached savepoints"):
        found = cmf.pages(routes.detached_savepoints(), page_size, params, "detached savepoints")
    show_all(found, output, shapes.SAVEPOINT, HEADERS, row, right_aligned=[3])


@app.command("delete")
@connected
def delete(cmf: Cmf, names: Names, force: Force = False) -> None:
    """Delete Flink detached savepoints (the savepoint data itself stays)."""
    delete_all(
        DELETION,
        names,
        exists=lambda name: cmf.exists(routes.detached_savepoint(name)),
        delete=lambda name: cmf.delete(routes.detached_savepoint(name)),
        force=force,
    )
