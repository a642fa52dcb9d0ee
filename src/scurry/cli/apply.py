"""`scurry apply -f FILE`: create or replace resources from manifests.

CFK manifests (FlinkEnvironment, FlinkApplication) become CMF environments
and applications (`scurry.cli.cfk`); everything else is a Kubernetes-shaped
resource of the scurry API.

All-or-nothing as far as the API allows: every document is parsed and
checked first, then every write is rehearsed as a server dry run (which runs
admission), and only then is anything written. A bad document, by schema or
by admission, changes nothing. `--dry-run` stops after the rehearsal and
shows what the server would store (`-o yaml`: the objects themselves).
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Protocol

import typer

from scurry.cli import options
from scurry.cli.cfk import apply as cfk_apply
from scurry.cli.client import ApiClient, Obj
from scurry.cli.output import Format, note, print_document, write
from scurry.cli.refs import Target, kind_named
from scurry.cli.session import Session
from scurry.errors import InvalidInput, NotFound
from scurry.models.cfk import split_cfk
from scurry.models.manifest import normalize, parse_documents

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
# Metadata that controllers add and a manifest rarely states: kept unless the manifest says.
_KEPT_METADATA = ("finalizers", "ownerReferences")


@dataclass(frozen=True)
class Source:
    name: str
    text: str


@dataclass(frozen=True)
class Applied:
    target: Target
    action: str  # created | configured | unchanged
    obj: Obj

    @property
    def display(self) -> str:
        return self.target.display


class Outcome(Protocol):
    """What `report` prints of one applied document (FKO objects and CFK resources alike)."""

    @property
    def display(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def obj(self) -> Obj: ...


def read_sources(paths: Sequence[str]) -> list[Source]:
    """The manifests behind `-f`: files, directories of manifests, `-` for stdin."""
    if not paths:
        raise InvalidInput("must specify -f FILE (a manifest, a directory of them, or - for stdin)")
    sources: list[Source] = []
    for path in paths:
        sources.extend(_read_path(path))
    return sources


def _read_path(path: str) -> list[Source]:
    if path == "-":
        return [Source("<stdin>", sys.stdin.read())]
    location = Path(path)
    if location.is_dir():
        files = sorted(p for p in location.iterdir() if p.suffix in MANIFEST_SUFFIXES)
        return [_read_file(p) for p in files]
    if not location.exists():
        raise InvalidInput(f'the path "{path}" does not exist')
    return [_read_file(location)]


def _read_file(path: Path) -> Source:
    try:
        return Source(str(path), path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot be read: {exc}") from None


Document = tuple[str, Any]  # where it comes from ("file (document 2)"), the document


def read_documents(sources: Sequence[Source]) -> list[Document]:
    """Every document of every source, with where it comes from."""
    documents: list[Document] = []
    for source in sources:
        parsed = parse_documents(source.text, source.name)
        for index, document in enumerate(parsed, start=1):
            where = source.name if len(parsed) == 1 else f"{source.name} (document {index})"
            documents.append((where, document))
    return documents


def normalize_documents(documents: Sequence[Document], namespace: str | None) -> list[Obj]:
    """The documents checked and normalized; fails on the first bad one, naming it."""
    objects: list[Obj] = []
    for where, document in documents:
        try:
            objects.append(normalize(in_namespace(document, namespace)))
        except InvalidInput as exc:
            raise type(exc)(f"{where}: {exc.message}") from None
    return objects


def load_objects(sources: Sequence[Source], namespace: str | None) -> list[Obj]:
    """Every document of every source, checked and normalized; fails on the first bad one."""
    objects = normalize_documents(read_documents(sources), namespace)
    if not objects:
        raise InvalidInput("no objects passed to apply")
    return objects


def in_namespace(document: Any, namespace: str | None) -> Any:
    """The document with `-n` filled in; a document naming another namespace is refused."""
    if namespace is None or not isinstance(document, dict):
        return document
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        return document
    own = metadata.get("namespace")
    if own and own != namespace:
        raise InvalidInput(
            f'the namespace from the provided object "{own}" does not match the namespace '
            f"\"{namespace}\". You must pass '--namespace={own}' to perform this operation."
        )
    return {**document, "metadata": {**metadata, "namespace": namespace}}


def target_of(obj: Obj) -> Target:
    return Target(kind_named(obj["kind"]), obj["metadata"]["name"])


def desired_update(obj: Obj, current: Obj) -> Obj:
    """What to PUT over `current`: the manifest, preconditioned on the version read."""
    desired = copy.deepcopy(obj)
    meta, current_meta = desired["metadata"], current.get("metadata", {})
    meta["resourceVersion"] = current_meta.get("resourceVersion")
    for key in _KEPT_METADATA:
        if key not in meta and current_meta.get(key):
            meta[key] = copy.deepcopy(current_meta[key])
    return desired


def apply_one(client: ApiClient, obj: Obj, *, dry_run: bool) -> Applied:
    """Create `obj`, or replace the stored object with it; say which happened."""
    target = target_of(obj)
    namespace = obj["metadata"]["namespace"]
    try:
        current = client.get(target.info, namespace, target.name)
    except NotFound:
        return Applied(
            target, "created", client.create(target.info, namespace, obj, dry_run=dry_run)
        )
    desired = desired_update(obj, current)
    result = client.replace(target.info, desired, dry_run=dry_run)
    if dry_run:  # the server answers the object it would store: the stored one if no change
        changed = result != current
    else:
        changed = result["metadata"].get("resourceVersion") != current["metadata"].get(
            "resourceVersion"
        )
    return Applied(target, "configured" if changed else "unchanged", result)


def apply_objects(client: ApiClient, objects: Sequence[Obj], *, dry_run: bool) -> list[Applied]:
    """Rehearse every write as a dry run, then (unless `dry_run`) write them all."""
    rehearsal = [apply_one(client, obj, dry_run=True) for obj in objects]
    if dry_run:
        return rehearsal
    return [apply_one(client, obj, dry_run=False) for obj in objects]


def report(results: Sequence[Outcome], output: Format | None, *, dry_run: bool) -> None:
    if output in (Format.json, Format.yaml):
        objs = [r.obj for r in results if r.obj]
        data = objs[0] if len(objs) == 1 else {"apiVersion": "v1", "kind": "List", "items": objs}
        print_document(data, output)
        return
    suffix = " (server dry run)" if dry_run else ""
    for result in results:
        line = result.display
        write(line if output is Format.name else f"{line} {result.action}{suffix}")


def apply_command(
    ctx: typer.Context,
    filenames: options.Files = None,
    namespace: options.Namespace = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything on the server, write nothing.")
    ] = False,
    output: Annotated[
        Format | None, typer.Option("--output", "-o", help="json, yaml or name.")
    ] = None,
) -> None:
    """Create or update resources from manifests (YAML or JSON, many documents)."""
    if output is Format.wide:
        raise InvalidInput("--output: wide is offered by get only")
    cfk_manifests, documents = split_cfk(read_documents(read_sources(filenames or [])))
    objects = normalize_documents(documents, namespace)
    if not objects and not cfk_manifests:
        raise InvalidInput("no objects passed to apply")
    client = Session.of(ctx).client()
    cfk_apply.rehearse(client, cfk_manifests)
    rehearsal = apply_objects(client, objects, dry_run=True)
    for line in cfk_apply.ignored_notes(cfk_manifests):
        note(line)
    outcomes: list[Outcome] = [*cfk_apply.apply_all(client, cfk_manifests, dry_run=dry_run)]
    outcomes += rehearsal if dry_run else [apply_one(client, o, dry_run=False) for o in objects]
    report(outcomes, output, dry_run=dry_run)
