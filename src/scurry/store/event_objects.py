"""Kubernetes `v1 Event` objects built from `EventRecord`s, with no I/O.

Backends that keep events themselves (SQL) and the Kubernetes backend shape
them alike, so `kubectl describe`-style views read the same everywhere. A
repeated event is counted on the existing object rather than stored again,
as the Kubernetes event recorder (and so FKO) does.
"""

from __future__ import annotations

import copy
from datetime import datetime

from scurry.ports import EventRecord, InvolvedObject, Obj
from scurry.store.writes import rfc3339


def new_event(record: EventRecord, *, uid: str, now: datetime) -> Obj:
    """The event object for the first occurrence of `record`; `uid` also names it."""
    involved = record.involved
    stamp = rfc3339(now)
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{involved.name}.{uid.replace('-', '')[:16]}",
            "namespace": involved.namespace,
            "uid": uid,
            "creationTimestamp": stamp,
        },
        "involvedObject": involved_reference(involved),
        "reason": record.reason,
        "message": record.message,
        "type": record.type,
        "count": 1,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "source": {"component": record.component},
        "reportingComponent": record.component,
    }


def counted_again(event: Obj, *, now: datetime) -> Obj:
    """The event after one more occurrence: count + 1, lastTimestamp moved on."""
    updated = copy.deepcopy(event)
    updated["count"] = int(updated.get("count", 1)) + 1
    updated["lastTimestamp"] = rfc3339(now)
    return updated


def involved_reference(involved: InvolvedObject) -> Obj:
    """An ObjectReference as Kubernetes writes it: absent fields left out."""
    reference: Obj = {
        "kind": involved.kind,
        "namespace": involved.namespace,
        "name": involved.name,
    }
    if involved.uid:
        reference["uid"] = involved.uid
    if involved.api_version:
        reference["apiVersion"] = involved.api_version
    return reference
