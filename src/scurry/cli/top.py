"""`scurry top`: running jobs with throughput, backpressure and parallelism per vertex."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from scurry.cli import options
from scurry.cli.client import Obj
from scurry.cli.output import Format, note, print_document, print_table
from scurry.cli.refs import namespace_or_default
from scurry.cli.session import Session
from scurry.errors import InvalidInput
from scurry.models.resources import FLINK_DEPLOYMENT

HEADERS = ["NAME", "VERTEX", "PARALLELISM", "IN/S", "OUT/S", "BUSY", "BACKPRESSURE", "LAG"]


def _percent(value: Any) -> str:
    return f"{float(value) * 100:.0f}%" if value is not None else ""


def _rate(value: Any) -> str:
    return f"{float(value):.1f}" if value is not None else ""


def rows_of(jobs: list[Obj], *, all_namespaces: bool) -> list[list[str]]:
    rows = []
    for job in jobs:
        for vertex in job["vertices"]:
            lag = vertex.get("pendingRecords")
            row = [
                job["name"],
                str(vertex.get("name") or vertex.get("id")),
                f"{vertex.get('parallelism')}/{vertex.get('maxParallelism')}",
                _rate(vertex.get("recordsInPerSecond")),
                _rate(vertex.get("recordsOutPerSecond")),
                _percent(vertex.get("busyRatio")),
                _percent(vertex.get("backpressuredRatio")),
                "" if lag is None else f"{float(lag):.0f}",
            ]
            rows.append([job["namespace"], *row] if all_namespaces else row)
    return rows


def top_command(
    ctx: typer.Context,
    namespace: options.Namespace = None,
    all_namespaces: options.AllNamespaces = False,
    output: Annotated[Format | None, typer.Option("--output", "-o", help="json or yaml.")] = None,
) -> None:
    """Show running jobs: per vertex, parallelism, records in and out per second, busy and
    backpressured time, and a source's backlog."""
    if output in (Format.name, Format.wide):
        raise InvalidInput(f"--output: {output.value} is not offered by top (json, yaml)")
    ns = namespace_or_default(namespace)
    client = Session.of(ctx).client()
    deployments = client.list(FLINK_DEPLOYMENT, None if all_namespaces else ns)
    jobs = []
    for item in deployments.get("items") or []:
        meta = item["metadata"]
        state = ((item.get("status") or {}).get("jobStatus") or {}).get("state")
        if item.get("spec", {}).get("job") is None or state != "RUNNING":
            continue
        found = client.vertices(meta["namespace"], meta["name"])
        jobs.append({"namespace": meta["namespace"], "name": meta["name"], **found})
    if output is not None:
        print_document({"items": jobs}, output)
    elif not any(job["vertices"] for job in jobs):
        note("No running jobs found" + ("" if all_namespaces else f" in {ns} namespace."))
    else:
        headers = ["NAMESPACE", *HEADERS] if all_namespaces else HEADERS
        print_table(headers, rows_of(jobs, all_namespaces=all_namespaces))
