"""`scurry flink catalog`: Kafka catalogs (a Schema Registry), from resource files.

The server probes the catalog's Schema Registry before it stores anything, so
a create or update fails with the server's reason when the registry does not
answer. The API answers an update with no body: the command reads the
catalog back to print it. `catalog database` manages the catalog's databases.
"""

from __future__ import annotations

import typer

from scurry.cli.flink import catalog_database, routes, shapes
from scurry.cli.flink.cmf import Cmf, Obj
from scurry.cli.flink.connection import connected
from scurry.cli.flink.deletion import Deletion, delete_all
from scurry.cli.flink.errors import failing
from scurry.cli.flink.options import Force, Name, Names, OutputFormat, PageSize, ResourceFile
from scurry.cli.flink.render import Output, show, show_all, text
from scurry.cli.flink.secret import named_resource

app = typer.Typer(
    name="catalog",
    help="Manage Flink catalogs (Kafka topics as tables, described by a Schema Registry).",
    no_args_is_help=True,
)
app.add_typer(catalog_database.app, name="database")
DELETION = Deletion("Flink catalog", "scurry flink catalog list")
HEADERS = ["Creation Time", "Name", "Databases"]


def row(catalog: Obj) -> list[str]:
    metadata, spec = catalog.get("metadata") or {}, catalog.get("spec") or {}
    databases = [text(c.get("databaseName")) for c in spec.get("kafkaClusters") or []]
    return [
        text(metadata.get("creationTimestamp")),
        text(metadata.get("name")),
        ", ".join(databases),
    ]


def rows(catalog: Obj) -> list[tuple[str, str | None]]:
    return list(zip(HEADERS, row(catalog), strict=True))


@app.command("create")
@connected
def create(cmf: Cmf, file: ResourceFile, output: OutputFormat = Output.human) -> None:
    """Create a Flink catalog from a resource file (its Schema Registry must answer)."""
    name, resource = named_resource(file)
    with failing(f'failed to create catalog "{name}"'):
        created = cmf.post(routes.catalogs(), resource)
    show(created, output, shapes.KAFKA_CATALOG, rows)


@app.command("update")
@connected
def update(cmf: Cmf, file: ResourceFile, output: OutputFormat = Output.human) -> None:
    """Update a Flink catalog from a resource file."""
    name, resource = named_resource(file)
    with failing(f'failed to update catalog "{name}"'):
        cmf.put(routes.catalog(name), resource)
        updated = cmf.get(routes.catalog(name))
    show(updated, output, shapes.KAFKA_CATALOG, rows)


@app.command("describe")
@connected
def describe(cmf: Cmf, name: Name, output: OutputFormat = Output.human) -> None:
    """Describe a Flink catalog."""
    with failing(f'failed to describe catalog "{name}"'):
        catalog = cmf.get(routes.catalog(name))
    show(catalog, output, shapes.KAFKA_CATALOG, rows)


@app.command("list")
@connected
def list_(cmf: Cmf, page_size: PageSize = 100, output: OutputFormat = Output.human) -> None:
    """List Flink catalogs."""
    with failing("failed to list catalogs"):
        found = cmf.pages(routes.catalogs(), page_size, what="catalogs")
    show_all(found, output, shapes.KAFKA_CATALOG, HEADERS, row)


@app.command("delete")
@connected
def delete(cmf: Cmf, names: Names, force: Force = False) -> None:
    """Delete one or more Flink catalogs (a catalog with databases is refused)."""
    delete_all(
        DELETION,
        names,
        exists=lambda name: cmf.exists(routes.catalog(name)),
        delete=lambda name: cmf.delete(routes.catalog(name)),
        force=force,
    )
