"""`scurry flink environment`: create, update, describe, list and delete environments.

The API has one create-or-update call (POST), so `create` first checks that
the environment does not exist and `update` that it does, as Confluent's CLI
does. `update` changes only the defaults it is given: the others, and the
Kubernetes namespace, are sent back as they are.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from scurry.cli.flink import routes, shapes
from scurry.cli.flink.cmf import Cmf, Obj
from scurry.cli.flink.connection import connected
from scurry.cli.flink.deletion import Deletion, delete_all
from scurry.cli.flink.errors import ApiFailure, CommandError, failing
from scurry.cli.flink.files import read_defaults
from scurry.cli.flink.options import Force, Name, Names, OutputFormat, PageSize, need
from scurry.cli.flink.render import Output, compact_json, go_time, show, show_all, text

app = typer.Typer(name="environment", help="Manage Flink environments.", no_args_is_help=True)
DELETION = Deletion("Flink environment", "scurry flink environment list")

Namespace = Annotated[
    str | None,
    typer.Option(
        "--kubernetes-namespace",
        help="REQUIRED: Kubernetes namespace to deploy Flink applications to.",
        show_default=False,
    ),
]
_FILE = "or path to a file to read defaults from (with .yml, .yaml or .json extension)."
Defaults = Annotated[
    str | None,
    typer.Option(
        "--defaults",
        help=f"JSON string defining the environment's Flink application defaults, {_FILE}",
        show_default=False,
    ),
]
StatementDefaults = Annotated[
    str | None,
    typer.Option(
        "--statement-defaults",
        help=f"JSON string defining the environment's Flink statement defaults, {_FILE}",
        show_default=False,
    ),
]
ComputePoolDefaults = Annotated[
    str | None,
    typer.Option(
        "--compute-pool-defaults",
        help=f"JSON string defining the environment's Flink compute pool defaults, {_FILE}",
        show_default=False,
    ),
]


def defaults_from(application: str | None, statement: str | None, compute_pool: str | None) -> Obj:
    """The defaults fields of the request body, for the flags that were given."""
    body: Obj = {}
    if application:
        body["flinkApplicationDefaults"] = read_defaults(application, "application")
    if compute_pool:
        body["computePoolDefaults"] = read_defaults(compute_pool, "compute-pool")
    if statement:
        parsed = read_defaults(statement, "statement") or {}
        body["statementDefaults"] = {
            key: parsed[key] for key in ("detached", "interactive") if parsed.get(key) is not None
        }
    return body


def show_environment(environment: Obj, output: Output) -> None:
    show(environment, output, shapes.ENVIRONMENT, _rows)


def _rows(environment: Obj) -> list[tuple[str, str | None]]:
    statements = environment.get("statementDefaults") or {}
    return [
        ("Name", text(environment.get("name"))),
        ("Kubernetes Namespace", text(environment.get("kubernetesNamespace"))),
        ("Created Time", go_time(environment.get("created_time"))),
        ("Updated Time", go_time(environment.get("updated_time"))),
        ("Flink Application Defaults", _defaults(environment, "flinkApplicationDefaults")),
        ("Flink Compute Pool Defaults", _defaults(environment, "computePoolDefaults")),
        ("Detached Statement Defaults", _defaults(statements, "detached")),
        ("Interactive Statement Defaults", _defaults(statements, "interactive")),
    ]


def _row(environment: Obj) -> list[str]:
    return [
        text(environment.get("name")),
        text(environment.get("kubernetesNamespace")),
        go_time(environment.get("created_time")),
        go_time(environment.get("updated_time")),
    ]


def _defaults(holder: Any, key: str) -> str:
    value = holder.get(key) if isinstance(holder, dict) else None
    return compact_json(value or None)


@app.command("create")
@connected
def create(
    cmf: Cmf,
    name: Name,
    kubernetes_namespace: Namespace = None,
    defaults: Defaults = None,
    statement_defaults: StatementDefaults = None,
    compute_pool_defaults: ComputePoolDefaults = None,
    output: OutputFormat = Output.human,
) -> None:
    """Create a Flink environment."""
    (kubernetes_namespace,) = need(kubernetes_namespace=kubernetes_namespace)
    body = {
        "name": name,
        "kubernetesNamespace": kubernetes_namespace,
        **defaults_from(defaults, statement_defaults, compute_pool_defaults),
    }
    if cmf.exists(routes.environment(name)):
        raise CommandError(f'environment "{name}" already exists')
    with failing(f'failed to create environment "{name}"'):
        show_environment(cmf.post(routes.environments(), body), output)


@app.command("update")
@connected
def update(
    cmf: Cmf,
    name: Name,
    defaults: Defaults = None,
    statement_defaults: StatementDefaults = None,
    compute_pool_defaults: ComputePoolDefaults = None,
    output: OutputFormat = Output.human,
) -> None:
    """Update a Flink environment's defaults."""
    if not (defaults or statement_defaults or compute_pool_defaults):
        raise CommandError(
            "at least one of the flags in the group "
            "[defaults statement-defaults compute-pool-defaults] is required",
            exit_code=2,
        )
    changes = defaults_from(defaults, statement_defaults, compute_pool_defaults)
    current = _current(cmf, name)
    body = {
        key: current[key]
        for key in ("kubernetesNamespace", *KEPT_DEFAULTS)
        if current.get(key) is not None
    }
    body.update(name=name, **changes)
    with failing(f'failed to update environment "{name}"'):
        show_environment(cmf.post(routes.environments(), body), output)


KEPT_DEFAULTS = ("flinkApplicationDefaults", "computePoolDefaults", "statementDefaults")


def _current(cmf: Cmf, name: str) -> Obj:
    try:
        current: Obj = cmf.get(routes.environment(name))
    except ApiFailure as failure:
        if failure.not_found:
            raise CommandError(f'environment "{name}" does not exist') from None
        raise CommandError(f'failed to update environment "{name}": {failure.message}') from None
    return current


@app.command("describe")
@connected
def describe(cmf: Cmf, name: Name, output: OutputFormat = Output.human) -> None:
    """Describe a Flink environment."""
    with failing(f'failed to describe environment "{name}"'):
        environment = cmf.get(routes.environment(name))
    show_environment(environment, output)


@app.command("list")
@connected
def list_(cmf: Cmf, page_size: PageSize = 100, output: OutputFormat = Output.human) -> None:
    """List Flink environments."""
    with failing("failed to list environments"):
        environments = cmf.pages(routes.environments(), page_size, what="environments")
    headers = ["Name", "Kubernetes Namespace", "Created Time", "Updated Time"]
    show_all(environments, output, shapes.ENVIRONMENT, headers, _row)


@app.command("delete")
@connected
def delete(cmf: Cmf, names: Names, force: Force = False) -> None:
    """Delete one or more Flink environments."""
    delete_all(
        DELETION,
        names,
        exists=lambda name: cmf.exists(routes.environment(name)),
        delete=lambda name: cmf.delete(routes.environment(name)),
        force=force,
    )
