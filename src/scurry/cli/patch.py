"""`scurry patch KIND NAME -p PATCH`: change some fields of resources with a JSON merge patch.

As `kubectl patch --type merge` (RFC 7386): the patch's maps are merged into
the object, its other values replace the object's, `null` removes a field.
Says `patched`, or `patched (no change)` when the object stayed as it was.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from scurry.cli import options
from scurry.cli.client import ApiClient, Obj
from scurry.cli.output import Format, print_document, write
from scurry.cli.refs import Target, namespace_or_default, select
from scurry.cli.session import Session
from scurry.errors import InvalidInput

PATCH_TYPES = ("merge", "json", "strategic")


def parse_patch(text: str) -> Obj:
    """The patch as a JSON object; anything else is one clear InvalidInput."""
    try:
        patch = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"unable to parse the patch as JSON: {exc}") from None
    if not isinstance(patch, dict):
        raise InvalidInput("a merge patch must be a JSON object, e.g. '{\"spec\": {...}}'")
    return patch


def patch_text(patch: str | None, patch_file: str | None) -> str:
    if (patch is None) == (patch_file is None):
        raise InvalidInput("give the patch with exactly one of -p PATCH or --patch-file FILE")
    if patch is not None:
        return patch
    try:
        return Path(str(patch_file)).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{patch_file}: cannot be read: {exc}") from None


def check_type(patch_type: str) -> None:
    if patch_type not in PATCH_TYPES:
        raise InvalidInput(f"--type must be one of {', '.join(PATCH_TYPES)}, not {patch_type!r}")
    if patch_type != "merge":
        raise InvalidInput(
            f"--type {patch_type}: only merge patches are supported for these resources "
            "(--type merge)"
        )


def patch_one(
    client: ApiClient, target: Target, namespace: str, patch: Obj, *, dry_run: bool
) -> tuple[Obj, bool]:
    """Patch one resource; the result and whether the patch changed it."""
    current = client.get(target.info, namespace, target.name)
    result = client.patch(target.info, namespace, target.name, patch, dry_run=dry_run)
    if dry_run:
        return result, result != current
    version = result["metadata"].get("resourceVersion")
    return result, version != current["metadata"].get("resourceVersion")


def report(
    target: Target, result: Obj, changed: bool, output: Format | None, *, dry_run: bool
) -> None:
    if output in (Format.json, Format.yaml):
        print_document(result, output)
    elif output is Format.name:
        write(target.display)
    else:
        note = "" if changed else " (no change)"
        write(f"{target.display} patched{note}{' (server dry run)' if dry_run else ''}")


def patch_command(
    ctx: typer.Context,
    resources: options.Resources = None,
    namespace: options.Namespace = None,
    patch: Annotated[
        str | None,
        typer.Option("--patch", "-p", help="The patch, as JSON: '{\"spec\": {...}}'."),
    ] = None,
    patch_file: Annotated[
        str | None, typer.Option("--patch-file", help="A file holding the patch.")
    ] = None,
    patch_type: Annotated[
        str, typer.Option("--type", help="The kind of patch: merge (the one supported).")
    ] = "merge",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the result on the server, write nothing.")
    ] = False,
    output: Annotated[
        Format | None, typer.Option("--output", "-o", help="json, yaml or name.")
    ] = None,
) -> None:
    """Change fields of resources with a JSON merge patch."""
    check_type(patch_type)
    if output is Format.wide:
        raise InvalidInput("--output: wide is offered by get only")
    body = parse_patch(patch_text(patch, patch_file))
    selection = select(resources or [], "patch")
    if not selection.targets:
        raise InvalidInput(
            f"resource(s) were provided, but no name was specified (e.g. 'scurry patch "
            f"{selection.kind.singular} NAME -p PATCH')"
        )
    client = Session.of(ctx).client()
    ns = namespace_or_default(namespace)
    for target in selection.targets:
        result, changed = patch_one(client, target, ns, body, dry_run=dry_run)
        report(target, result, changed, output, dry_run=dry_run)
