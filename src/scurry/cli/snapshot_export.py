"""`scurry savepoint export NAME --to s3://BUCKET/PREFIX`: a local snapshot to object storage.

The server holds the snapshot's files (the local runtime wrote them on its
disk) and copies them; the answer names the path a Kubernetes FlinkDeployment
starts from (`spec.job.initialSavepointPath`).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

import typer

from scurry.cli import options
from scurry.cli.output import write
from scurry.cli.refs import namespace_or_default
from scurry.cli.session import Session
from scurry.models.resources import FLINK_STATE_SNAPSHOT

# `savepoint export` is routed here (see app.route_subcommands): `savepoint NAME` stays as it was.
COMMAND = "savepoint-export"
TO_HELP = "Where to copy it: s3://BUCKET/PREFIX (the prefix is optional)."


def export_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The FlinkStateSnapshot (savepoint or checkpoint).")],
    to: Annotated[str, typer.Option("--to", help=TO_HELP)],
    namespace: options.Namespace = None,
) -> None:
    """Copy a completed local savepoint or retained checkpoint to S3, to start a cluster from."""
    client = Session.of(ctx).client()
    ns = namespace_or_default(namespace)
    path = (
        f"/apis/{FLINK_STATE_SNAPSHOT.api_version}/namespaces/{quote(ns, safe='')}/"
        f"{FLINK_STATE_SNAPSHOT.plural}/{quote(name, safe='')}/export"
    )
    answer = client.request("POST", path, body={"to": to}).json()
    write(f"{FLINK_STATE_SNAPSHOT.singular}/{name} exported: {answer['path']}")
    write(f"start a FlinkDeployment from it: spec.job.initialSavepointPath: {answer['path']}")
