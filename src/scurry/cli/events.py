"""`scurry events`: what the controller reported, oldest first (as `kubectl events`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from scurry.cli import options
from scurry.cli.client import Obj
from scurry.cli.output import Format, event_age, note, print_document, print_table
from scurry.cli.refs import namespace_or_default, select
from scurry.cli.session import Session
from scurry.errors import InvalidInput


def field_selector(resource: str | None) -> str | None:
    """`--for KIND/NAME` as the API's field selector."""
    if resource is None:
        return None
    selection = select([resource], "events --for")
    if len(selection.targets) != 1:
        raise InvalidInput(f"--for: expected KIND/NAME, got {resource!r}")
    target = selection.targets[0]
    return f"involvedObject.kind={target.info.kind},involvedObject.name={target.name}"


def sort_key(event: Obj) -> tuple[str, str]:
    stamp = str(event.get("lastTimestamp") or event.get("firstTimestamp") or "")
    return stamp, str(event.get("metadata", {}).get("creationTimestamp") or "")


def rows_of(events: list[Obj], *, all_namespaces: bool, now: datetime) -> list[list[str]]:
    rows = []
    for event in events:
        involved = event.get("involvedObject") or {}
        row = [
            event_age(event, now),
            str(event.get("type") or ""),
            str(event.get("reason") or ""),
            f"{involved.get('kind', '')}/{involved.get('name', '')}",
            str(event.get("message") or ""),
        ]
        rows.append([str(involved.get("namespace") or ""), *row] if all_namespaces else row)
    return rows


def events_command(
    ctx: typer.Context,
    namespace: options.Namespace = None,
    all_namespaces: options.AllNamespaces = False,
    about: Annotated[
        str | None, typer.Option("--for", help="Only the events of KIND/NAME.", show_default=False)
    ] = None,
    output: Annotated[Format | None, typer.Option("--output", "-o", help="json or yaml.")] = None,
) -> None:
    """List events, oldest first."""
    if output in (Format.name, Format.wide):
        raise InvalidInput(f"--output: {output.value} is not offered by events (json, yaml)")
    ns = namespace_or_default(namespace)
    data = Session.of(ctx).client().events(None if all_namespaces else ns, field_selector(about))
    events = sorted(data.get("items") or [], key=sort_key)
    if output is not None:
        print_document({**data, "items": events}, output)
    elif not events:
        note("No events found" if all_namespaces else f"No events found in {ns} namespace.")
    else:
        headers = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
        headers = ["NAMESPACE", *headers] if all_namespaces else headers
        print_table(headers, rows_of(events, all_namespaces=all_namespaces, now=datetime.now(UTC)))
