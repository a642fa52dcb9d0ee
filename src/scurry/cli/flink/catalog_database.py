"""`scurry flink catalog database`: the Kafka clusters of a catalog, one database each."""

from __future__ import annotations

from typing import Annotated

import typer

from scurry.cli.flink import routes, shapes
from scurry.cli.flink.cmf import Cmf, Obj
from scurry.cli.flink.connection import connected
from scurry.cli.flink.deletion import Deletion, delete_all
from scurry.cli.flink.errors import failing
from scurry.cli.flink.options import Force, Name, OutputFormat, PageSize, ResourceFile, need
from scurry.cli.flink.render import Output, show, show_all, text
from scurry.cli.flink.secret import named_resource

app = typer.Typer(name="database", help="Manage Flink databases.", no_args_is_help=True)
DELETION = Deletion("Flink database", "scurry flink catalog database list")
HEADERS = ["Creation Time", "Name", "Catalog"]

Catalog = Annotated[
    str | None,
    typer.Option("--catalog", help="REQUIRED: Name of the catalog.", show_default=False),
]


def row(database: Obj) -> list[str]:
    metadata = database.get("metadata") or {}
    return [
        text(metadata.get("creationTimestamp")),
        text(metadata.get("name")),
        text(metadata.get("catalog")),
    ]


def with_catalog(database: Obj, catalog: str) -> Obj:
    """The database as the commands print it: its catalog's name in its metadata.

    The API's DatabaseMetadata has no catalog field; the table column comes
    from the flag, and the JSON/YAML documents leave it out (`shapes`).
    """
    return {**database, "metadata": {**(database.get("metadata") or {}), "catalog": catalog}}


def rows(database: Obj) -> list[tuple[str, str | None]]:
    return list(zip(HEADERS, row(database), strict=True))


@app.command("create")
@connected
def create(
    cmf: Cmf, file: ResourceFile, catalog: Catalog = None, output: OutputFormat = Output.human
) -> None:
    """Create a Flink database in a catalog from a resource file."""
    (cat,) = need(catalog=catalog)
    name, resource = named_resource(file)
    with failing(f'failed to create database "{name}" in the catalog "{cat}"'):
        created = cmf.post(routes.databases(cat), resource)
    show(with_catalog(created, cat), output, shapes.KAFKA_DATABASE, rows)


@app.command("update")
@connected
def update(
    cmf: Cmf, file: ResourceFile, catalog: Catalog = None, output: OutputFormat = Output.human
) -> None:
    """Update a Flink database in a catalog from a resource file."""
    (cat,) = need(catalog=catalog)
    name, resource = named_resource(file)
    with failing(f'failed to update database "{name}" in the catalog "{cat}"'):
        cmf.put(routes.database(cat, name), resource)
        updated = cmf.get(routes.database(cat, name))
    show(with_catalog(updated, cat), output, shapes.KAFKA_DATABASE, rows)


@app.command("describe")
@connected
def describe(
    cmf: Cmf, name: Name, catalog: Catalog = None, output: OutputFormat = Output.human
) -> None:
    """Describe a Flink database."""
    (cat,) = need(catalog=catalog)
    with failing(f'failed to describe database "{name}" in the catalog "{cat}"'):
        database = cmf.get(routes.database(cat, name))
    show(with_catalog(database, cat), output, shapes.KAFKA_DATABASE, rows)


@app.command("list")
@connected
def list_(
    cmf: Cmf,
    catalog: Catalog = None,
    page_size: PageSize = 100,
    output: OutputFormat = Output.human,
) -> None:
    """List the Flink databases of a catalog."""
    (cat,) = need(catalog=catalog)
    with failing(f'failed to list databases in the catalog "{cat}"'):
        found = cmf.pages(routes.databases(cat), page_size, what="databases")
    listed = [with_catalog(d, cat) for d in found]
    show_all(listed, output, shapes.KAFKA_DATABASE, HEADERS, row)


@app.command("delete")
@connected
def delete(cmf: Cmf, name: Name, catalog: Catalog = None, force: Force = False) -> None:
    """Delete a Flink database."""
    (cat,) = need(catalog=catalog)
    delete_all(
        DELETION,
        [name],
        exists=lambda n: cmf.exists(routes.database(cat, n)),
        delete=lambda n: cmf.delete(routes.database(cat, n)),
        force=force,
    )
