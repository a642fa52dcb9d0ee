"""`scurry flink application instance|event`: what happened to an application.

An instance is one deployed revision of the application's spec; events are
what its deployments went through (v1alpha1 of the API).
"""

from __future__ import annotations

import typer

from scurry.cli.flink import routes, shapes
from scurry.cli.flink.cmf import Cmf, Obj
from scurry.cli.flink.connection import connected
from scurry.cli.flink.errors import failing
from scurry.cli.flink.options import (
    Application,
    DocumentFormat,
    Environment,
    Name,
    OutputFormat,
    PageSize,
    need,
)
from scurry.cli.flink.render import DocumentOutput, Output, emit, serialized, show_all, text

instances = typer.Typer(
    name="instance", help="Manage Flink application instances.", no_args_is_help=True
)
events = typer.Typer(name="event", help="Manage Flink application events.", no_args_is_help=True)


@instances.command("list")
@connected
def list_instances(
    cmf: Cmf,
    environment: Environment = None,
    application: Application = None,
    page_size: PageSize = 100,
    output: OutputFormat = Output.human,
) -> None:
    """List Flink application instances."""
    env, app = need(environment=environment, application=application)
    action = f'failed to list instances of application "{app}" in the environment "{env}"'
    with failing(action):
        found = cmf.pages(routes.instances(env, app), page_size, what="instances")
    headers = ["Name", "Creation Time", "Job ID", "Job State"]
    show_all(found, output, shapes.APPLICATION_INSTANCE, headers, instance_row)


def instance_row(instance: Obj) -> list[str]:
    metadata = instance.get("metadata") or {}
    job = (instance.get("status") or {}).get("jobStatus") or {}
    return [
        text(metadata.get("name")),
        text(metadata.get("creationTimestamp")),
        text(job.get("jobId")),
        text(job.get("state")),
    ]


@instances.command("describe")
@connected
def describe_instance(
    cmf: Cmf,
    name: Name,
    environment: Environment = None,
    application: Application = None,
    output: DocumentFormat = DocumentOutput.json,
) -> None:
    """Describe a Flink application instance."""
    env, app = need(environment=environment, application=application)
    action = (
        f'failed to describe instance "{name}" of application "{app}" in the environment "{env}"'
    )
    with failing(action):
        instance = cmf.get(routes.instance(env, app, name))
    emit(serialized(shapes.project(instance, shapes.APPLICATION_INSTANCE), output))


@events.command("list")
@connected
def list_events(
    cmf: Cmf,
    environment: Environment = None,
    application: Application = None,
    page_size: PageSize = 100,
    output: OutputFormat = Output.human,
) -> None:
    """List Flink application events."""
    env, app = need(environment=environment, application=application)
    with failing(f'failed to list events for application "{app}" in the environment "{env}"'):
        found = cmf.pages(routes.events(env, app), page_size, what="events")
    headers = ["Name", "Type", "Timestamp", "Instance", "Message"]
    show_all(found, output, shapes.APPLICATION_EVENT, headers, event_row)


def event_row(event: Obj) -> list[str]:
    metadata, status = event.get("metadata") or {}, event.get("status") or {}
    return [
        text(metadata.get("name")),
        text(status.get("type")),
        text(metadata.get("creationTimestamp")),
        text(metadata.get("flinkApplicationInstance")),
        text(status.get("message")),
    ]
