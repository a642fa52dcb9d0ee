"""`scurry flink secret`: secrets (connection credentials), from resource files.

The server keeps secrets encrypted and never returns their values; what the
CLI prints is the server's masked answer.
"""

from __future__ import annotations

import typer

from scurry.cli.flink import routes, shapes
from scurry.cli.flink.cmf import Cmf, Obj
from scurry.cli.flink.connection import connected
from scurry.cli.flink.deletion import Deletion, delete_all
from scurry.cli.flink.errors import failing
from scurry.cli.flink.files import read_resource
from scurry.cli.flink.options import Force, Name, Names, OutputFormat, PageSize, ResourceFile
from scurry.cli.flink.render import Output, show, show_all, text

app = typer.Typer(name="secret", help="Manage Flink secrets.", no_args_is_help=True)
DELETION = Deletion("Flink secret", "scurry flink secret list")


def named_resource(file: str) -> tuple[str, Obj]:
    """The resource in `file` and its `metadata.name` ("" when it has none)."""
    resource = read_resource(file)
    metadata = resource.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return (name if isinstance(name, str) else ""), resource


def row(secret: Obj) -> list[str]:
    metadata = secret.get("metadata") or {}
    return [text(metadata.get("creationTimestamp")), text(metadata.get("name"))]


def rows(secret: Obj) -> list[tuple[str, str | None]]:
    return list(zip(["Creation Time", "Name"], row(secret), strict=True))


@app.command("create")
@connected
def create(cmf: Cmf, file: ResourceFile, output: OutputFormat = Output.human) -> None:
    """Create a Flink secret from a resource file."""
    name, resource = named_resource(file)
    with failing(f'failed to create secret "{name}"'):
        created = cmf.post(routes.secrets(), resource)
    show(created, output, shapes.SECRET, rows)


@app.command("update")
@connected
def update(cmf: Cmf, file: ResourceFile, output: OutputFormat = Output.human) -> None:
    """Update a Flink secret from a resource file."""
    name, resource = named_resource(file)
    with failing(f'failed to update secret "{name}"'):
        updated = cmf.put(routes.secret(name), resource)
    show(updated, output, shapes.SECRET, rows)


@app.command("describe")
@connected
def describe(cmf: Cmf, name: Name, output: OutputFormat = Output.human) -> None:
    """Describe a Flink secret (its values stay masked)."""
    with failing(f'failed to get secret "{name}"'):
        secret = cmf.get(routes.secret(name))
    show(secret, output, shapes.SECRET, rows)


@app.command("list")
@connected
def list_(cmf: Cmf, page_size: PageSize = 100, output: OutputFormat = Output.human) -> None:
    """List Flink secrets."""
    with failing("failed to list secrets"):
        found = cmf.pages(routes.secrets(), page_size, what="secrets")
    show_all(found, output, shapes.SECRET, ["Creation Time", "Name"], row)


@app.command("delete")
@connected
def delete(cmf: Cmf, names: Names, force: Force = False) -> None:
    """Delete one or more Flink secrets."""
    delete_all(
        DELETION,
        names,
        exists=lambda name: cmf.exists(routes.secret(name)),
        delete=lambda name: cmf.delete(routes.secret(name)),
        force=force,
    )
