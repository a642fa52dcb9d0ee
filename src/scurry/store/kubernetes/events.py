"""Events as Kubernetes `v1 Event` objects, counted on repetition as kubectl shows them.

An event's name is derived from what makes two events the same (the involved
object, type, reason and message), so every replica of the operator finds
the same object: the first occurrence creates it, later ones count it again
with a resourceVersion precondition (a lost race is read again and retried).
Kubernetes itself removes events after its event TTL (an hour by default),
which is why no per-object limit is kept here.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from scurry.errors import Conflict, Unavailable
from scurry.ports import EventRecord, InvolvedObject, Obj
from scurry.store import event_objects
from scurry.store.kubernetes.kinds import EVENT
from scurry.store.kubernetes.rest import AlreadyExists, KubeRest

_ATTEMPTS = 5
_NAME_ROOM = 200  # an object name may be 253 characters; keep room for the suffix


def event_name(event: EventRecord) -> str:
    involved = event.involved
    identity = involved.uid or f"{involved.kind}/{involved.namespace}/{involved.name}"
    digest = hashlib.sha256(
        "\x00".join((identity, event.type, event.reason, event.message)).encode()
    ).hexdigest()
    return f"{involved.name[:_NAME_ROOM]}.{digest[:16]}"


def record(rest: KubeRest, event: EventRecord, now: datetime) -> None:
    """Create the event, or count it again if it exists."""
    name = event_name(event)
    namespace = event.involved.namespace
    body = event_objects.new_event(event, uid=str(uuid.uuid4()), now=now)
    body["metadata"] = {"name": name, "namespace": namespace}  # the server sets uid and time
    for _ in range(_ATTEMPTS):
        try:
            rest.call("POST", EVENT.path(namespace), body=body)
            return
        except AlreadyExists:
            pass
        current = rest.call("GET", EVENT.path(namespace, name))
        try:
            rest.call(
                "PUT",
                EVENT.path(namespace, name),
                body=event_objects.counted_again(current, now=now),
            )
            return
        except Conflict:  # counted by someone else meanwhile (or deleted): look again
            continue
    raise Unavailable(f"event {namespace}/{name}: lost {_ATTEMPTS} write races")


def select(
    rest: KubeRest, namespaces: list[str | None], involved: InvolvedObject | None
) -> list[Obj]:
    """Events sorted by lastTimestamp, then by the order they were written."""
    found: list[Obj] = []
    for namespace in namespaces:
        answer = rest.call("GET", EVENT.path(namespace))
        found.extend(item for item in answer.get("items") or [] if _about(item, involved))
    for item in found:
        item.setdefault("apiVersion", "v1")
        item.setdefault("kind", "Event")
    return sorted(found, key=_order)


def _about(event: Obj, involved: InvolvedObject | None) -> bool:
    if involved is None:
        return True
    ref: dict[str, Any] = event.get("involvedObject") or {}
    same = (ref.get("kind"), ref.get("namespace"), ref.get("name")) == (
        involved.kind,
        involved.namespace,
        involved.name,
    )
    return same and (not involved.uid or ref.get("uid") == involved.uid)


def _order(event: Obj) -> tuple[str, int]:
    version = str(event.get("metadata", {}).get("resourceVersion") or "")
    return str(event.get("lastTimestamp") or ""), int(version) if version.isdigit() else 0
