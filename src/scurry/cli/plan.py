"""`scurry plan -f FILE`: what `scurry apply -f FILE` would do, resource by resource.

In the spirit of `terraform plan`: one headline per resource (`+` create,
`~` change, `-/+` state replaced, `=` nothing, `!` refused), then the fields
that cause it and what to know. Informative: it exits 0 whatever the plan
says; only a malformed file (or an unreachable server) is an error.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any

import typer

from scurry.cli import options
from scurry.cli.apply import load_objects, read_sources
from scurry.cli.client import Obj
from scurry.cli.output import Format, print_document, write
from scurry.cli.session import Session
from scurry.errors import InvalidInput

INDENT = "    "
_SYMBOLS = {
    "create": "+",
    "deploy": "+",
    "none": "=",
    "savepoint-redeploy": "-/+",
}


def symbol(item: Obj) -> str:
    if not item.get("admitted", True):
        return "!"
    return _SYMBOLS.get(str(item.get("action")), "~")


def show_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def render_item(item: Obj) -> list[str]:
    """One resource: its headline, then its field changes, errors and notes."""
    name = f"{str(item['kind']).lower()}/{item['name']}"
    if item.get("namespace") not in (None, "default"):
        name = f"{item['namespace']}/{name}"
    summary = item["summary"] if item.get("admitted", True) else "REFUSED (admission)"
    lines = [f"{symbol(item)} {name}: {summary}"]
    for change in item.get("changes") or []:
        old, new = show_value(change["old"]), show_value(change["new"])
        lines.append(f"{INDENT}{change['path']}: {old} -> {new}  [{change['type']}]")
    lines.extend(f"{INDENT}error: {error}" for error in item.get("errors") or [])
    lines.extend(f"{INDENT}note: {note}" for note in item.get("notes") or [])
    return lines


def render(items: Sequence[Obj]) -> str:
    """Every resource, then a count of what changes, as terraform ends its plan."""
    blocks = ["\n".join(render_item(item)) for item in items]
    counts: dict[str, int] = {}
    for item in items:
        key = "refused" if not item.get("admitted", True) else str(item.get("action"))
        key = "unchanged" if key == "none" else key
        counts[key] = counts.get(key, 0) + 1
    tally = ", ".join(f"{count} {action}" for action, count in counts.items())
    return "\n\n".join([*blocks, f"Plan: {tally}."])


def plan_command(
    ctx: typer.Context,
    filenames: options.Files = None,
    namespace: options.Namespace = None,
    output: Annotated[Format | None, typer.Option("--output", "-o", help="json or yaml.")] = None,
) -> None:
    """Show what applying manifests would do: upgrades, savepoints, restores; nothing is written."""
    if output in (Format.name, Format.wide):
        raise InvalidInput(f"--output: {output} is not offered by plan (use json or yaml)")
    objects = load_objects(read_sources(filenames or []), namespace)
    answer = Session.of(ctx).client().plan(objects)
    if output is not None:
        print_document(answer, output)
        return
    write(render(answer["items"]))
