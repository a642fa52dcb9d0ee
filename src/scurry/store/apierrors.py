"""The store's errors, worded as the Kubernetes API server words them.

Users read these messages in the CLI whatever the backend, so the SQL backend
says `flinkdeployments.flink.apache.org "x" not found` just as kubectl would.
"""

from __future__ import annotations

from scurry.errors import Conflict, InvalidInput, NotFound
from scurry.models.resources import KINDS


class WatchExpired(Conflict):
    """A watch fell behind the retained change log (Kubernetes' 410 Gone).

    The watcher has missed changes: it must list again, then start a new watch.
    """


def resource_name(kind: str) -> str:
    """The resource's plural name, qualified by its API group when scurry knows it."""
    for info in KINDS:
        if info.kind == kind:
            return f"{info.plural}.{info.group}" if info.group else info.plural
    return _plural(kind.lower())


def not_found(kind: str, name: str) -> NotFound:
    return NotFound(f'{resource_name(kind)} "{name}" not found')


def already_exists(kind: str, name: str) -> Conflict:
    return Conflict(f'{resource_name(kind)} "{name}" already exists')


def modified(kind: str, name: str) -> Conflict:
    """A stale `resourceVersion`: the caller must read the object again."""
    return Conflict(
        f'Operation cannot be fulfilled on {resource_name(kind)} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again"
    )


def uid_mismatch(kind: str, name: str, wanted: str, actual: str) -> Conflict:
    return Conflict(
        f'Operation cannot be fulfilled on {resource_name(kind)} "{name}": Precondition failed: '
        f"UID in precondition: {wanted}, UID in object meta: {actual}"
    )


def finalizers_added_while_deleting(kind: str, name: str, added: list[str]) -> InvalidInput:
    return InvalidInput(
        f'{resource_name(kind)} "{name}" is invalid: metadata.finalizers: Forbidden: no new '
        f"finalizers can be added if the object is being deleted, found new finalizers {added}"
    )


def _plural(word: str) -> str:
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return f"{word}es"
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return f"{word[:-1]}ies"
    return f"{word}s"
