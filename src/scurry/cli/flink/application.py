"""`scurry flink application`: applications from resource files, their instances and events.

`create` and `update` share the API's create-or-update POST; like Confluent's
CLI, `create` refuses an application that exists and `update` one that does
not. Applications always print as documents (JSON unless `-o yaml`).
"""

from __future__ import annotations

import typer

from scurry.cli.flink import application_history, routes, shapes, webui_forward
from scurry.cli.flink.cmf import Cmf, Obj
from scurry.cli.flink.connection import connected
from scurry.cli.flink.deletion import Deletion, delete_all
from scurry.cli.flink.errors import ApiFailure, CommandError, failing
from scurry.cli.flink.files import read_resource
from scurry.cli.flink.options import (
    DocumentFormat,
    Environment,
    Force,
    Name,
    Names,
    OutputFormat,
    PageSize,
    ResourceFile,
    need,
)
from scurry.cli.flink.render import DocumentOutput, Output, emit, serialized, show_all, text

app = typer.Typer(name="application", help="Manage Flink applications.", no_args_is_help=True)
app.add_typer(application_history.instances, name="instance")
app.add_typer(application_history.events, name="event")
app.command("web-ui-forward")(webui_forward.web_ui_forward)
DELETION = Deletion("Flink application", "scurry flink application list")


def application_from(file: str) -> tuple[str, Obj]:
    """The application in a resource file and its name (`metadata.name`)."""
    resource = read_resource(file)
    metadata = resource.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not name:
        raise CommandError(f"{file}: metadata.name: required field is missing")
    if resource.get("status") is None:
        resource.pop("status", None)
    return name, resource


def print_application(application: Obj, output: DocumentOutput) -> None:
    emit(serialized(shapes.project(application, shapes.APPLICATION), output))


@app.command("create")
@connected
def create(
    cmf: Cmf,
    file: ResourceFile,
    environment: Environment = None,
    output: DocumentFormat = DocumentOutput.json,
) -> None:
    """Create a Flink application from a resource file."""
    (environment,) = need(environment=environment)
    name, resource = application_from(file)
    if cmf.exists(routes.application(environment, name)):
        raise CommandError(
            f'application "{name}" already exists in the environment "{environment}"'
        )
    with failing(f'failed to create application "{name}" in the environment "{environment}"'):
        print_application(cmf.post(routes.applications(environment), resource), output)


@app.command("update")
@connected
def update(
    cmf: Cmf,
    file: ResourceFile,
    environment: Environment = None,
    output: DocumentFormat = DocumentOutput.json,
) -> None:
    """Update a Flink application from a resource file."""
    (environment,) = need(environment=environment)
    name, resource = application_from(file)
    action = f'failed to update application "{name}" in the environment "{environment}"'
    try:
        cmf.get(routes.application(environment, name))
    except ApiFailure as failure:
        if failure.not_found:
            raise CommandError(
                f'application "{name}" does not exist in the environment "{environment}"'
            ) from None
        raise CommandError(f"{action}: {failure.message}") from None
    with failing(action):
        print_application(cmf.post(routes.applications(environment), resource), output)


@app.command("describe")
@connected
def describe(
    cmf: Cmf,
    name: Name,
    environment: Environment = None,
    output: DocumentFormat = DocumentOutput.json,
) -> None:
    """Describe a Flink application."""
    (environment,) = need(environment=environment)
    with failing(f'failed to describe application "{name}" in the environment "{environment}"'):
        application = cmf.get(routes.application(environment, name))
    print_application(application, output)


@app.command("list")
@connected
def list_(
    cmf: Cmf,
    environment: Environment = None,
    page_size: PageSize = 100,
    output: OutputFormat = Output.human,
) -> None:
    """List Flink applications."""
    (environment,) = need(environment=environment)
    with failing(f'failed to list applications in the environment "{environment}"'):
        found = cmf.pages(routes.applications(environment), page_size, what="applications")
    headers = ["Name", "Environment", "Job Name", "Job Status"]
    show_all(found, output, shapes.APPLICATION, headers, lambda a: summary(a, environment))


def summary(application: Obj, environment: str) -> list[str]:
    """Name, environment, job name and job state (empty before the first deployment)."""
    status = application.get("status") or {}
    job = (status.get("jobStatus") if isinstance(status, dict) else None) or {}
    return [
        text((application.get("metadata") or {}).get("name")),
        text((application.get("spec") or {}).get("environment") or environment),
        text(job.get("jobName")),
        text(job.get("state")),
    ]


@app.command("delete")
@connected
def delete(cmf: Cmf, names: Names, environment: Environment = None, force: Force = False) -> None:
    """Delete one or more Flink applications."""
    (environment,) = need(environment=environment)
    delete_all(
        DELETION,
        names,
        exists=lambda name: cmf.exists(routes.application(environment, name)),
        delete=lambda name: cmf.delete(routes.application(environment, name)),
        force=force,
    )
