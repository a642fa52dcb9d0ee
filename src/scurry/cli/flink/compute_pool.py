"""`scurry flink compute-pool`: where an environment's SQL statements run."""

from __future__ import annotations

import typer

from scurry.cli.flink import routes, sql_shapes
from scurry.cli.flink.cmf import Obj
from scurry.cli.flink.deletion import Deletion
from scurry.cli.flink.env_resources import EnvResource, add_commands
from scurry.cli.flink.render import text

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


add_commands(
    app,
    EnvResource(
        noun="compute pool",
        plural="compute pools",
        title="Flink compute pool",
        collection=routes.compute_pools,
        item=routes.compute_pool,
        shape=sql_shapes.COMPUTE_POOL,
        headers=HEADERS,
        row=row,
        deletion=DELETION,
        delete_help="Delete one or more Flink compute pools (only those no statement uses).",
    ),
)
