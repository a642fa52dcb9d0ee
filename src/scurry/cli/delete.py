"""`scurry delete KIND NAME...` / `scurry delete -f FILE`: delete, and optionally wait until gone.

An object with finalizers is only marked for deletion; the controller stops
its Flink cluster and then lets it go. `--wait` waits for that end.
"""

from __future__ import annotations

import functools
from typing import Annotated

import typer

from scurry.cli import options
from scurry.cli.apply import Document, normalize_documents, read_documents, read_sources, target_of
from scurry.cli.cfk import commands as cfk_commands
from scurry.cli.client import ApiClient, error_line
from scurry.cli.output import note, write
from scurry.cli.polling import Probe, TimedOut, parse_duration, wait_until
from scurry.cli.refs import Target, namespace_or_default, qualified, select
from scurry.cli.session import Session
from scurry.errors import InvalidInput, NotFound
from scurry.models.cfk import Mapped, split_cfk

Located = tuple[Target, str]  # a resource and its namespace


def targets_of(
    resources: list[str], documents: list[Document] | None, namespace: str | None
) -> list[Located]:
    """The resources named as arguments, or declared by the documents of `-f`."""
    if documents is not None:
        objects = normalize_documents(documents, namespace)
        return [(target_of(obj), obj["metadata"]["namespace"]) for obj in objects]
    selection = select(resources, "delete")
    if not selection.targets:
        raise InvalidInput(
            f"resource(s) were provided, but no name was specified (e.g. 'scurry delete "
            f"{selection.kind.singular} NAME')"
        )
    ns = namespace_or_default(namespace)
    return [(target, ns) for target in selection.targets]


def delete_one(client: ApiClient, target: Target, namespace: str, *, ignore_missing: bool) -> bool:
    """Delete one resource; False when it was not there (and that is allowed)."""
    try:
        client.delete(target.info, namespace, target.name)
    except NotFound:
        if ignore_missing:
            return False
        raise
    write(f'{qualified(target.info)} "{target.name}" deleted')
    return True


def gone(client: ApiClient, target: Target, namespace: str) -> Probe:
    try:
        obj = client.get(target.info, namespace, target.name)
    except NotFound:
        return Probe(True, "deleted")
    state = obj.get("status", {}).get("lifecycleState") or "deleting"
    return Probe(False, str(state))


def wait_gone(client: ApiClient, located: list[Located], timeout: float) -> None:
    for target, namespace in located:
        answer = wait_until(
            functools.partial(gone, client, target, namespace),
            timeout=timeout,
            description=f"waiting for {target.short} to be deleted",
        )
        if not answer.done:
            raise TimedOut(f"timed out waiting for the condition on {target.short}")


def delete_command(
    ctx: typer.Context,
    resources: options.Resources = None,
    filenames: options.Files = None,
    namespace: options.Namespace = None,
    ignore_not_found: Annotated[
        bool, typer.Option("--ignore-not-found", help="A missing resource is not an error.")
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait until the resources are gone (finalizers done).")
    ] = False,
    timeout: options.Timeout = "5m",
) -> None:
    """Delete resources by name or by the manifests that declare them."""
    seconds = parse_duration(timeout)
    client = Session.of(ctx).client()
    if filenames and resources:
        raise InvalidInput("name resources either as arguments or with -f, not both")
    cfk = cfk_commands.selected(resources or [])
    if cfk is not None:
        cfk_commands.delete(client, *cfk, ignore_missing=ignore_not_found)
        return
    documents: list[Document] | None = None
    cfk_manifests: list[Mapped] = []
    if filenames:
        cfk_manifests, documents = split_cfk(read_documents(read_sources(filenames)))
        if not documents and not cfk_manifests:
            raise InvalidInput("no objects passed to delete")
    cfk_commands.delete_mapped(client, cfk_manifests, ignore_missing=ignore_not_found)
    located = targets_of(resources or [], documents, namespace)
    deleted: list[Located] = []
    missing: list[NotFound] = []
    for target, ns in located:
        try:
            if delete_one(client, target, ns, ignore_missing=ignore_not_found):
                deleted.append((target, ns))
        except NotFound as exc:
            missing.append(exc)
    if wait:
        wait_gone(client, deleted, seconds)
    for error in missing[:-1]:
        note(error_line(error))
    if missing:
        raise missing[-1]
