"""`scurry flink secret-mapping`: which secret an environment uses for a connection secret id."""

from __future__ import annotations

import typer

from scurry.cli.flink import routes, shapes
from scurry.cli.flink.cmf import Cmf, Obj
from scurry.cli.flink.connection import connected
from scurry.cli.flink.deletion import Deletion, delete_all
from scurry.cli.flink.errors import failing
from scurry.cli.flink.options import (
    Environment,
    Force,
    Name,
    Names,
    OutputFormat,
    PageSize,
    ResourceFile,
    need,
)
from scurry.cli.flink.render import Output, show, show_all, text
from scurry.cli.flink.secret import named_resource

app = typer.Typer(
    name="secret-mapping",
    help="Manage Flink environment secret mappings.",
    no_args_is_help=True,
)
DELETION = Deletion("Flink secret mapping", "scurry flink secret-mapping list")
HEADERS = ["Creation Time", "Name", "Secret Name"]


def row(mapping: Obj) -> list[str]:
    metadata, spec = mapping.get("metadata") or {}, mapping.get("spec") or {}
    return [
        text(metadata.get("creationTimestamp")),
        text(metadata.get("name")),
        text(spec.get("secretName")),
    ]


def rows(mapping: Obj) -> list[tuple[str, str | None]]:
    return list(zip(HEADERS, row(mapping), strict=True))


@app.command("create")
@connected
def create(
    cmf: Cmf,
    file: ResourceFile,
    environment: Environment = None,
    output: OutputFormat = Output.human,
) -> None:
    """Create a Flink environment secret mapping from a resource file."""
    (env,) = need(environment=environment)
    name, resource = named_resource(file)
    with failing(f'failed to create secret mapping "{name}" in the environment "{env}"'):
        created = cmf.post(routes.secret_mappings(env), resource)
    show(created, output, shapes.SECRET_MAPPING, rows)


@app.command("update")
@connected
def update(
    cmf: Cmf,
    file: ResourceFile,
    environment: Environment = None,
    output: OutputFormat = Output.human,
) -> None:
    """Update a Flink environment secret mapping from a resource file."""
    (env,) = need(environment=environment)
    name, resource = named_resource(file)
    with failing(f'failed to update secret mapping "{name}" in the environment "{env}"'):
        updated = cmf.put(routes.secret_mapping(env, name), resource)
    show(updated, output, shapes.SECRET_MAPPING, rows)


@app.command("describe")
@connected
def describe(
    cmf: Cmf, name: Name, environment: Environment = None, output: OutputFormat = Output.human
) -> None:
    """Describe a Flink environment secret mapping."""
    (env,) = need(environment=environment)
    with failing(f'failed to get secret mapping "{name}" in the environment "{env}"'):
        mapping = cmf.get(routes.secret_mapping(env, name))
    show(mapping, output, shapes.SECRET_MAPPING, rows)


@app.command("list")
@connected
def list_(
    cmf: Cmf,
    environment: Environment = None,
    page_size: PageSize = 100,
    output: OutputFormat = Output.human,
) -> None:
    """List Flink environment secret mappings."""
    (env,) = need(environment=environment)
    with failing(f'failed to list secret mappings in the environment "{env}"'):
        found = cmf.pages(routes.secret_mappings(env), page_size, what="secret mappings")
    show_all(found, output, shapes.SECRET_MAPPING, HEADERS, row)


@app.command("delete")
@connected
def delete(cmf: Cmf, names: Names, environment: Environment = None, force: Force = False) -> None:
    """Delete one or more Flink environment secret mappings."""
    (env,) = need(environment=environment)
    delete_all(
        DELETION,
        names,
        exists=lambda name: cmf.exists(routes.secret_mapping(env, name)),
        delete=lambda name: cmf.delete(routes.secret_mapping(env, name)),
        force=force,
    )
