"""`scurry logs NAME`: the JobManager's (or a TaskManager's) log of a FlinkDeployment.

`--follow` prints what the server streams (`?follow=true`): the last lines,
then whatever the log gains, until Ctrl-C or until the deployment is
deleted. A log that was started again (the process restarted) is printed
from its start.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Annotated

import typer

from scurry.cli import options
from scurry.cli.client import ApiClient
from scurry.cli.refs import namespace_or_default
from scurry.cli.session import Session
from scurry.errors import InvalidInput
from scurry.models.manifest import kind_by_name
from scurry.models.resources import FLINK_DEPLOYMENT


@dataclass(frozen=True)
class LogSource:
    namespace: str
    name: str
    component: str
    index: int

    def read(self, client: ApiClient, tail: int | None = None) -> str:
        return client.logs(self.namespace, self.name, self.component, self.index, tail)


def emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def follow(client: ApiClient, source: LogSource, tail: int | None) -> None:
    """Print the tail, then what is appended, until Ctrl-C or the deployment is deleted."""
    try:
        for text in client.follow_logs(
            source.namespace, source.name, source.component, source.index, tail
        ):
            emit(text)
    except KeyboardInterrupt:
        return


def deployment_name(arg: str) -> str:
    """`NAME` or `flinkdeployment/NAME` (any name of the kind)."""
    kind, sep, name = arg.rpartition("/")
    if sep and kind_by_name(kind) is not FLINK_DEPLOYMENT:
        raise InvalidInput(f"logs are served for {FLINK_DEPLOYMENT.plural} only, not {kind}")
    return name


def logs_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The FlinkDeployment.", show_default=False)],
    namespace: options.Namespace = None,
    taskmanager: Annotated[
        int | None,
        typer.Option(
            "--taskmanager", help="A TaskManager's log (its index) instead of the JobManager's."
        ),
    ] = None,
    tail: Annotated[
        int | None, typer.Option("--tail", min=0, help="Only the last N lines.")
    ] = None,
    follow_log: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing what is appended (Ctrl-C ends).")
    ] = False,
) -> None:
    """Print the JobManager (or a TaskManager) log of a FlinkDeployment."""
    name = deployment_name(name)
    component = "jobmanager" if taskmanager is None else "taskmanager"
    source = LogSource(namespace_or_default(namespace), name, component, taskmanager or 0)
    client = Session.of(ctx).client()
    if follow_log:
        follow(client, source, tail)
    else:
        emit(source.read(client, tail))
