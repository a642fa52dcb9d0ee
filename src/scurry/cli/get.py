"""`scurry get KIND [NAME...]`: tables, or the objects themselves as JSON, YAML or names."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated

import typer

from scurry.cli import options, watch
from scurry.cli.cfk import commands as cfk_commands
from scurry.cli.client import ApiClient, Obj
from scurry.cli.columns import columns_for, tabulate
from scurry.cli.jobs import references
from scurry.cli.output import Format, note, print_document, print_table, write
from scurry.cli.refs import Selection, Target, kind_named, namespace_or_default, select
from scurry.cli.session import Session
from scurry.errors import InvalidInput
from scurry.models.resources import FLINK_STATE_SNAPSHOT


def as_list(items: list[Obj]) -> Obj:
    return {"apiVersion": "v1", "kind": "List", "metadata": {}, "items": items}


def fetch(
    client: ApiClient, selection: Selection, namespace: str | None, selector: str | None
) -> Obj:
    """One object when one was named, else a `List` (named objects, or the listing)."""
    if not selection.targets:
        return client.list(selection.kind, namespace, selector)
    if namespace is None:
        raise InvalidInput("a resource cannot be retrieved by name across all namespaces")
    if selector:
        raise InvalidInput("a label selector (-l) cannot be combined with resource names")
    objs = [client.get(t.info, namespace, t.name) for t in selection.targets]
    return objs[0] if len(objs) == 1 else as_list(objs)


def only_for(data: Obj, selection: Selection, job: str) -> Obj:
    """`--for KIND/NAME`: the snapshots whose jobReference names that job."""
    if selection.kind is not FLINK_STATE_SNAPSHOT:
        raise InvalidInput(f"--for: offered for {FLINK_STATE_SNAPSHOT.plural} only")
    if "/" not in job:
        raise InvalidInput(f"--for: name one job as KIND/NAME (e.g. flinkdep/basic), not {job!r}")
    [target] = select([job], "get").targets
    kind, name = target.info.kind, target.name
    return as_list([obj for obj in items_of(data) if references(obj, kind, name)])


def items_of(data: Obj) -> list[Obj]:
    items: list[Obj] = data["items"] if data.get("kind") == "List" else [data]
    return items


def print_tables(objs: Sequence[Obj], *, wide: bool, all_namespaces: bool) -> None:
    """One table per kind, in the order the kinds first appear."""
    now = datetime.now(UTC)
    kinds = list(dict.fromkeys(obj["kind"] for obj in objs))
    for index, kind in enumerate(kinds):
        columns = columns_for(kind_named(kind), wide=wide, all_namespaces=all_namespaces)
        headers, rows = tabulate([o for o in objs if o["kind"] == kind], columns, now)
        if index:
            write("")
        print_table(headers, rows)


def show(data: Obj, output: Format | None, *, all_namespaces: bool, namespace: str) -> None:
    if output in (Format.json, Format.yaml):
        print_document(data, output)
        return
    objs = items_of(data)
    if output is Format.name:
        for obj in objs:
            write(Target(kind_named(obj["kind"]), obj["metadata"]["name"]).display)
    elif not objs:
        note(
            "No resources found"
            if all_namespaces
            else f"No resources found in {namespace} namespace."
        )
    else:
        print_tables(objs, wide=output is Format.wide, all_namespaces=all_namespaces)


def get_command(
    ctx: typer.Context,
    resources: options.Resources = None,
    namespace: options.Namespace = None,
    all_namespaces: options.AllNamespaces = False,
    selector: Annotated[
        str | None, typer.Option("--selector", "-l", help="Label selector, e.g. app=web,tier!=db.")
    ] = None,
    output: Annotated[
        Format | None, typer.Option("--output", "-o", help="wide, json, yaml or name.")
    ] = None,
    watch_changes: Annotated[
        bool,
        typer.Option("--watch", "-w", help="After the objects, print every change (Ctrl-C ends)."),
    ] = False,
    watch_only: Annotated[
        bool, typer.Option("--watch-only", help="Print only the changes, not the objects now.")
    ] = False,
    for_job: Annotated[
        str | None,
        typer.Option("--for", help="Snapshots of one job only: KIND/NAME (e.g. flinkdep/basic)."),
    ] = None,
) -> None:
    """Show resources as a table, or as JSON, YAML or names; -w keeps watching."""
    cfk = cfk_commands.selected(resources or [])
    if cfk is not None:
        if watch_changes or watch_only or for_job is not None or selector:
            raise InvalidInput("-w, --for and -l are offered for the Flink operator's kinds only")
        cfk_commands.get(Session.of(ctx).client(), *cfk, output)
        return
    selection = select(resources or [], "get")
    scope = None if all_namespaces else namespace_or_default(namespace)
    client = Session.of(ctx).client()
    if for_job is not None and (watch_changes or watch_only):
        raise InvalidInput("--for cannot be combined with --watch")
    if watch_changes or watch_only:
        printer = watch.WatchPrinter(output, all_namespaces)
        watch.watch(client, selection, scope, selector, printer, watch_only=watch_only)
        return
    data = fetch(client, selection, scope, selector)
    if for_job is not None:
        data = only_for(data, selection, for_job)
    show(data, output, all_namespaces=all_namespaces, namespace=namespace_or_default(namespace))
