"""`scurry wait KIND/NAME --for ...`: block until a condition holds, as `kubectl wait`.

`--for` takes `condition=TYPE[=STATUS]` (status.conditions[type=TYPE].status,
default "True"), `jsonpath={.path}[=VALUE]` (without a value: until the path
is non-empty), `delete` or `create`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import typer

from scurry.cli import jsonpath, options
from scurry.cli.client import ApiClient, Obj
from scurry.cli.output import write
from scurry.cli.polling import Probe, TimedOut, parse_duration, wait_until
from scurry.cli.refs import Target, namespace_or_default, select
from scurry.cli.session import Session
from scurry.errors import InvalidInput, NotFound

Check = Callable[[Obj | None], Probe]  # None: the object does not exist


@dataclass(frozen=True)
class Condition:
    """A parsed `--for`: how to judge an object, and what kubectl prints when it holds."""

    check: Check
    met: str
    needs_object: bool = True


def condition_check(kind: str, wanted: str) -> Check:
    def check(obj: Obj | None) -> Probe:
        conditions = (obj or {}).get("status", {}).get("conditions") or []
        found = next((c for c in conditions if c.get("type") == kind), None)
        if found is None:
            return Probe(False, f"no {kind} condition yet")
        status = str(found.get("status"))
        detail = f"{kind}={status}" + (f" ({found['reason']})" if found.get("reason") else "")
        return Probe(status.lower() == wanted.lower(), detail)

    return check


def jsonpath_check(expression: str, wanted: str | None) -> Check:
    path = jsonpath.parse(expression)

    def check(obj: Obj | None) -> Probe:
        value = jsonpath.lookup(obj, path)
        shown = jsonpath.format_value(value) or "<empty>"
        if wanted is None:
            return Probe(not jsonpath.is_empty(value), shown)
        return Probe(not jsonpath.is_empty(value) and shown == wanted, shown)

    return check


def existence_check(wanted: bool) -> Check:
    def check(obj: Obj | None) -> Probe:
        return Probe((obj is not None) == wanted, "present" if obj is not None else "absent")

    return check


def parse_for(text: str) -> Condition:
    kind, sep, rest = text.partition("=")
    kind = kind.strip().lower()
    if kind in ("delete", "create") and not sep:
        return Condition(existence_check(kind == "create"), f"{kind}d", needs_object=False)
    if kind == "condition" and rest:
        name, _, status = rest.partition("=")
        return Condition(condition_check(name, status or "True"), "condition met")
    if kind == "jsonpath" and rest:
        expression, value = jsonpath.split_condition(rest)
        return Condition(jsonpath_check(expression.strip("'\""), value), "condition met")
    raise InvalidInput(
        f"--for: unrecognized condition {text!r} (use condition=TYPE[=STATUS], "
        "jsonpath={.path}[=VALUE], delete or create)"
    )


def read(client: ApiClient, target: Target, namespace: str) -> Obj | None:
    try:
        return client.get(target.info, namespace, target.name)
    except NotFound:
        return None


def await_one(
    client: ApiClient, target: Target, namespace: str, condition: Condition, timeout: float
) -> None:
    def probe() -> Probe:
        if condition.needs_object:  # a missing object is an error, as in kubectl
            return condition.check(client.get(target.info, namespace, target.name))
        return condition.check(read(client, target, namespace))

    answer = wait_until(probe, timeout=timeout, description=f"waiting for {target.short}")
    if not answer.done:
        raise TimedOut(f"timed out waiting for the condition on {target.short}")
    write(f"{target.display} {condition.met}")


def wait_command(
    ctx: typer.Context,
    resources: options.Resources = None,
    namespace: options.Namespace = None,
    wait_for: Annotated[
        str,
        typer.Option(
            "--for", help="condition=TYPE[=STATUS], jsonpath={.path}[=VALUE], delete or create."
        ),
    ] = "",
    timeout: options.Timeout = "300s",
) -> None:
    """Wait for a condition on resources, e.g. --for condition=Running."""
    if not wait_for:
        raise InvalidInput("--for: required (e.g. --for condition=Running)")
    condition = parse_for(wait_for)
    seconds = parse_duration(timeout)
    selection = select(resources or [], "wait")
    if not selection.targets:
        raise InvalidInput("name the resources to wait for (KIND/NAME or KIND NAME)")
    client = Session.of(ctx).client()
    for target in selection.targets:
        await_one(client, target, namespace_or_default(namespace), condition, seconds)
