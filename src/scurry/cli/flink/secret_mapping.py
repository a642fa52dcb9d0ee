"""`scurry flink secret-mapping`: which secret an environment uses for a connection secret id."""

from __future__ import annotations

import typer

from scurry.cli.flink import routes, shapes
from scurry.cli.flink.cmf import Obj
from scurry.cli.flink.deletion import Deletion
from scurry.cli.flink.env_resources import EnvResource, add_commands
from scurry.cli.flink.render import text

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


add_commands(
    app,
    EnvResource(
        noun="secret mapping",
        plural="secret mappings",
        title="Flink environment secret mapping",
        collection=routes.secret_mappings,
        item=routes.secret_mapping,
        shape=shapes.SECRET_MAPPING,
        headers=HEADERS,
        row=row,
        deletion=DELETION,
        delete_help="Delete one or more Flink environment secret mappings.",
    ),
)
