"""What a text column accepts, checked before the database sees it.

PostgreSQL refuses NUL characters in text and strings longer than a
VARCHAR's size, SQLite takes both: checking here makes the backends answer
alike, with an error that names the field instead of a database failure.
Keys (kinds, namespaces, names, lease names) are refused when they do not
fit; event texts, which only inform, are made to fit.
"""

from __future__ import annotations

import dataclasses

from scurry.errors import InvalidInput
from scurry.ports import EventRecord, InvolvedObject

KEY_LENGTH = 253  # a DNS subdomain, Kubernetes' longest object name
UID_LENGTH = 64
EVENT_TYPES = ("Normal", "Warning")
_NUL = "\x00"
_REPLACEMENT = "\ufffd"


def check_text(field: str, value: str, limit: int | None = KEY_LENGTH) -> str:
    """`value` if a text column can hold it, else InvalidInput naming `field`."""
    if _NUL in value:
        raise InvalidInput(f"{field}: must not contain NUL characters")
    if limit is not None and len(value) > limit:
        raise InvalidInput(f"{field}: must be at most {limit} characters, got {len(value)}")
    return value


def check_key(kind: str, namespace: str | None, name: str | None = None) -> None:
    check_text("kind", kind)
    if namespace is not None:
        check_text("metadata.namespace", namespace)
    if name is not None:
        check_text("metadata.name", name)


def fit(value: str, limit: int | None = KEY_LENGTH) -> str:
    """`value` without NUL characters and cut to `limit`."""
    value = value.replace(_NUL, _REPLACEMENT)
    return value if limit is None else value[:limit]


def fit_event(event: EventRecord) -> EventRecord:
    """The event as the columns can hold it (the same event always fits the same way)."""
    if event.type not in EVENT_TYPES:
        raise InvalidInput(f"type: must be Normal or Warning, got {event.type!r}")
    return dataclasses.replace(
        event,
        involved=fit_involved(event.involved),
        reason=fit(event.reason),
        message=fit(event.message, None),
    )


def fit_involved(involved: InvolvedObject) -> InvolvedObject:
    return InvolvedObject(
        kind=fit(involved.kind),
        namespace=fit(involved.namespace),
        name=fit(involved.name),
        uid=None if involved.uid is None else fit(involved.uid, UID_LENGTH),
        api_version=involved.api_version,
    )
