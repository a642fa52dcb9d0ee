"""`scurry flink compute-pool`: where an environment's SQL statements run."""

from __future__ import annotations

import typer

from scurry.cli.flink import routes, sql_shapes
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

app = typer.Typer(name="compute-pool", help="Manage Flink compute pools.", no_args_is_help=True)
DELETION = Deletion("Flink compute pool", "scurry flink compute-pool list")
HEADERS = ["Creation Time", "Name", "Type", "Phase"]


def row(pool: Obj) -> list[str]:
    metadata = pool.get("metadata") or {}
    spec, status = pool.get("spec") or {}, pool.get("status") or {}
    return [
        text(metadata.get("creationTimestamp")),
        text(metadata.get("name")),
        text(spec.get("type")),
        text(status.get("phase")),
    ]


def rows(pool: Obj) -> list[tuple[str, str | None]]:
    return list(zip(HEADERS, row(pool), strict=True))


@app.command("create")
@connected
def create(
    cmf: Cmf,
    file: ResourceFile,
    environment: Environment = None,
    output: OutputFormat = Output.human,
) -> None:
    """Create a Flink compute pool from a resource file."""
    (env,) = need(environment=environment)
    name, resource = named_resource(file)
    with failing(f'failed to create compute pool "{name}" in the environment "{env}"'):
        created = cmf.post(routes.compute_pools(env), resource)
    show(created, output, sql_shapes.COMPUTE_POOL, rows)


@app.command("update")
@connected
def update(
    cmf: Cmf,
    file: ResourceFile,
    environment: Environment = None,
    output: OutputFormat = Output.human,
) -> None:
    """Update a Flink compute pool from a resource file."""
    (env,) = need(environment=environment)
    name, resource = named_resource(file)
    with failing(f'failed to update compute pool "{name}" in the environment "{env}"'):
        updated = cmf.put(routes.compute_pool(env, name), resource)
    show(updated, output, sql_shapes.COMPUTE_POOL, rows)


@app.command("describe")
@connected
def describe(
    cmf: Cmf, name: Name, environment: Environment = None, output: OutputFormat = Output.human
) -> None:
    """Describe a Flink compute pool."""
    (env,) = need(environment=environment)
    with failing(f'failed to get compute pool "{name}" in the environment "{env}"'):
        pool = cmf.get(routes.compute_pool(env, name))
    show(pool, output, sql_shapes.COMPUTE_POOL, rows)


@app.command("list")
@connected
def list_(
    cmf: Cmf,
    environment: Environment = None,
    page_size: PageSize = 100,
    output: OutputFormat = Output.human,
) -> None:
    """List Flink compute pools."""
    (env,) = need(environment=environment)
    with failing(f'failed to list compute pools in the environment "{env}"'):
        found = cmf.pages(routes.compute_pools(env), page_size, what="compute pools")
    show_all(found, output, sql_shapes.COMPUTE_POOL, HEADERS, row)


@app.command("delete")
@connected
def delete(cmf: Cmf, names: Names, environment: Environment = None, force: Force = False) -> None:
    """Delete one or more Flink compute pools (only those no statement uses)."""
    (env,) = need(environment=environment)
    delete_all(
        DELETION,
        names,
        exists=lambda name: cmf.exists(routes.compute_pool(env, name)),
        delete=lambda name: cmf.delete(routes.compute_pool(env, name)),
        force=force,
    )
