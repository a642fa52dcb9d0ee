"""`scurry quickstart`: from nothing to a RUNNING Flink job, then where to look next.

It starts the control plane (as `up`), puts the bundled example job into the
usrlib directory, applies the bundled FlinkDeployment (as `apply`) and waits
for it to run (as `wait --for condition=Running`).
"""

from __future__ import annotations

import importlib.resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated

import typer

from scurry.cli.apply import Source, apply_objects, load_objects, report
from scurry.cli.lifecycle import ensure_up
from scurry.cli.output import note, write
from scurry.cli.polling import TimedOut, parse_duration
from scurry.cli.session import Session
from scurry.cli.wait import await_one, parse_for
from scurry.errors import ScurryError
from scurry.models.resources import FLINK_DEPLOYMENT

UP_TIMEOUT = 90.0
JOB_SCRIPT = "python_streaming.py"
MANIFEST = "deployment.yaml"


def example_dir() -> Traversable:
    """The bundled example: `scurry/examples/quickstart/` in the installed package."""
    try:
        return importlib.resources.files("scurry.examples") / "quickstart"
    except ModuleNotFoundError:
        raise ScurryError("the quickstart example is not installed (scurry.examples)") from None


def read_example(examples: Traversable, name: str) -> str:
    resource = examples / name
    if not resource.is_file():
        raise ScurryError(f"the quickstart example has no {name} ({resource})")
    return resource.read_text(encoding="utf-8")


def install_script(examples: Traversable, usrlib: Path) -> Path:
    """Copy the example job into usrlib, where `local:///opt/flink/usrlib/...` resolves."""
    usrlib.mkdir(parents=True, exist_ok=True)
    destination = usrlib / JOB_SCRIPT
    source = examples / JOB_SCRIPT
    if not source.is_file():
        raise ScurryError(f"the quickstart example has no {JOB_SCRIPT} ({source})")
    destination.write_bytes(source.read_bytes())
    return destination


def next_steps(name: str, namespace: str, home: Path) -> list[str]:
    output = home / "clusters" / namespace / name / "output"
    steps = [
        ("scurry get flinkdep", "the deployments and their job status"),
        (f"scurry describe flinkdep {name}", "status, conditions and events"),
        (f"scurry logs {name}", "the JobManager log (-f follows it)"),
        (f"ls {output}", "what the job writes"),
        ("scurry down --all", "stop scurry and every Flink cluster"),
    ]
    width = max(len(command) for command, _ in steps) + 3
    lines = [f"  {command.ljust(width)}# {why}" for command, why in steps]
    return ["", f"The example job {name} is running. Next:", *lines]


def quickstart_command(
    ctx: typer.Context,
    timeout: Annotated[
        str, typer.Option("--timeout", help="How long to wait for the job to run.")
    ] = "600s",
) -> None:
    """Start scurry, deploy the example streaming job and wait until it runs."""
    seconds = parse_duration(timeout)
    session = Session.of(ctx)
    examples = example_dir()
    manifest = read_example(examples, MANIFEST)
    ensure_up(session, UP_TIMEOUT)
    script = install_script(examples, session.settings.usrlib_dir)
    write(f"example job copied to {script}")
    client = session.client()
    objects = load_objects([Source(f"quickstart/{MANIFEST}", manifest)], None)
    applied = apply_objects(client, objects, dry_run=False)
    report(applied, None, dry_run=False)
    deployments = [a for a in applied if a.target.info is FLINK_DEPLOYMENT]
    if not deployments:
        raise ScurryError(f"the quickstart {MANIFEST} declares no FlinkDeployment")
    deployment = deployments[0]
    namespace = deployment.obj["metadata"]["namespace"]
    try:
        await_one(client, deployment.target, namespace, parse_for("condition=Running"), seconds)
    except TimedOut:
        name = deployment.target.name
        note(f"see `scurry describe flinkdep {name}` and `scurry logs {name}` for what happened")
        raise
    for line in next_steps(deployment.target.name, namespace, session.settings.home):
        write(line)
