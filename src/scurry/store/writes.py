"""The API server's write rules over plain dicts: what a create, update, status
update or delete turns a stored object into. No I/O, no clock, no randomness:
the backend passes in the new resourceVersion, the time and the uid, so these
rules are shared by every backend that has to play the API server itself.

Choices, made to match a Kubernetes custom resource with a status subresource:

- `create` drops any `status` given: a new object has no `status` key until
  `update_status` writes one (Kubernetes answers the same).
- `update` replaces everything but `status`, `apiVersion`/`kind` and the
  server-managed metadata (uid, creationTimestamp, deletionTimestamp,
  deletionGracePeriodSeconds, generation, resourceVersion); `generation`
  goes up when anything outside `metadata` and `status` changes (spec, or
  `data` for a ConfigMap). A request without resourceVersion is unconditional.
- Marking an object for deletion sets deletionTimestamp and
  deletionGracePeriodSeconds=0 and bumps `generation`, as the API server does.
- A write that changes nothing is not a write: the caller keeps the stored
  object, its resourceVersion stays, no watch event is sent.
- Empty labels/annotations/finalizers/ownerReferences are dropped (Kubernetes
  serializes them with omitempty), so `{}` and absent compare equal.
"""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime
from typing import Any

from scurry.errors import InvalidInput
from scurry.ports import Obj
from scurry.store import apierrors

Key = tuple[str, str, str]

SERVER_MANAGED = (
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
    "resourceVersion",
)
_OMIT_WHEN_EMPTY = ("labels", "annotations", "finalizers", "ownerReferences")
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def rfc3339(moment: datetime) -> str:
    """`2026-11-26T18:00:00Z`: the second-precision UTC form Kubernetes timestamps use."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_seconds(moment: datetime) -> float:
    """Seconds since the epoch; a naive datetime is taken as UTC, as `rfc3339` does."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def key_of(obj: Obj) -> Key:
    """(kind, namespace, name) of a request, checked for presence and type."""
    kind = obj.get("kind") if isinstance(obj, dict) else None
    if not isinstance(kind, str) or not kind:
        raise InvalidInput("kind: required field is missing")
    meta = metadata_of(obj)
    name, namespace = meta.get("name"), meta.get("namespace")
    if not isinstance(name, str) or not name:
        raise InvalidInput(f"{kind}: metadata.name: required field is missing")
    if not isinstance(namespace, str):
        raise InvalidInput(f"{kind}/{name}: metadata.namespace: required field is missing")
    return kind, namespace, name


def metadata_of(obj: Obj) -> dict[str, Any]:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        raise InvalidInput(f"{obj.get('kind')}: metadata: must be a map")
    return meta


def resource_version_of(obj: Obj) -> str | None:
    """The request's resourceVersion precondition; empty means unconditional."""
    value = metadata_of(obj).get("resourceVersion")
    return str(value) if value not in (None, "") else None


def prepare_create(obj: Obj, *, uid: str, rv: int, now: datetime) -> Obj:
    """The object as first stored: server fields assigned, status dropped."""
    if not isinstance(obj, dict):
        raise InvalidInput("object: must be a map")
    new = {key: copy.deepcopy(value) for key, value in obj.items() if key != "status"}
    meta = metadata_of(new)
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = generated_name(str(meta["generateName"]), uid)
    key_of(new)
    for field in SERVER_MANAGED:
        meta.pop(field, None)
    meta.update(uid=uid, generation=1, resourceVersion=str(rv), creationTimestamp=rfc3339(now))
    _check_metadata_types(new)
    _drop_empty(meta)
    return new


def generated_name(prefix: str, seed: str) -> str:
    """`prefix` plus five characters from Kubernetes' generateName alphabet."""
    digest = hashlib.sha256(seed.encode()).digest()
    return prefix + "".join(_NAME_ALPHABET[byte % len(_NAME_ALPHABET)] for byte in digest[:5])


def check_preconditions(stored: Obj, request: Obj) -> None:
    """Raise `Conflict` when the request names another resourceVersion or uid."""
    check_resource_version(stored, resource_version_of(request))
    wanted_uid = metadata_of(request).get("uid")
    actual_uid = metadata_of(stored).get("uid")
    if wanted_uid and wanted_uid != actual_uid:
        kind, _, name = key_of(stored)
        raise apierrors.uid_mismatch(kind, name, str(wanted_uid), str(actual_uid))


def check_resource_version(stored: Obj, wanted: str | None) -> None:
    if wanted is not None and wanted != metadata_of(stored).get("resourceVersion"):
        kind, _, name = key_of(stored)
        raise apierrors.modified(kind, name)


def prepare_update(stored: Obj, request: Obj, *, rv: int) -> Obj | None:
    """The object after an update, or None when the update changes nothing."""
    check_preconditions(stored, request)
    new = {key: copy.deepcopy(value) for key, value in request.items() if key != "status"}
    new["apiVersion"], new["kind"] = stored.get("apiVersion"), stored["kind"]
    if "status" in stored:
        new["status"] = copy.deepcopy(stored["status"])
    meta, old_meta = metadata_of(new), metadata_of(stored)
    for field in SERVER_MANAGED:
        meta.pop(field, None)
        if field in old_meta:
            meta[field] = old_meta[field]
    _check_metadata_types(new)
    _drop_empty(meta)
    _check_no_new_finalizers(stored, new)
    if new == stored:
        return None
    if _content(new) != _content(stored):
        meta["generation"] = int(old_meta.get("generation", 1)) + 1
    meta["resourceVersion"] = str(rv)
    return new


def prepare_status(stored: Obj, request: Obj, *, rv: int) -> Obj | None:
    """The object with the request's status and nothing else of it, or None if unchanged."""
    check_preconditions(stored, request)
    new = copy.deepcopy(stored)
    if "status" in request:
        new["status"] = copy.deepcopy(request["status"])
    else:
        new.pop("status", None)
    if new == stored:
        return None
    metadata_of(new)["resourceVersion"] = str(rv)
    return new


def prepare_deletion_mark(stored: Obj, *, rv: int, now: datetime) -> Obj | None:
    """A first delete of an object with finalizers; None if it is already being deleted."""
    meta = metadata_of(stored)
    if meta.get("deletionTimestamp"):
        return None
    new = copy.deepcopy(stored)
    new_meta = metadata_of(new)
    new_meta["deletionTimestamp"] = rfc3339(now)
    new_meta["deletionGracePeriodSeconds"] = 0
    new_meta["generation"] = int(meta.get("generation", 1)) + 1
    new_meta["resourceVersion"] = str(rv)
    return new


def is_gone(obj: Obj) -> bool:
    """Being deleted and no finalizer left: the object must be removed now."""
    meta = metadata_of(obj)
    return bool(meta.get("deletionTimestamp")) and not meta.get("finalizers")


def has_finalizers(obj: Obj) -> bool:
    return bool(metadata_of(obj).get("finalizers"))


def final_state(stored: Obj, *, rv: int) -> Obj:
    """What a DELETED event carries: the last state, at the deletion's resourceVersion."""
    final = copy.deepcopy(stored)
    metadata_of(final)["resourceVersion"] = str(rv)
    return final


def _content(obj: Obj) -> Obj:
    """Everything that counts for `generation`: all but metadata and status."""
    return {key: value for key, value in obj.items() if key not in ("metadata", "status")}


def _check_no_new_finalizers(stored: Obj, new: Obj) -> None:
    if not metadata_of(stored).get("deletionTimestamp"):
        return
    before = set(metadata_of(stored).get("finalizers") or [])
    added = [item for item in metadata_of(new).get("finalizers") or [] if item not in before]
    if added:
        kind, _, name = key_of(stored)
        raise apierrors.finalizers_added_while_deleting(kind, name, added)


def _check_metadata_types(obj: Obj) -> None:
    kind, _, name = key_of(obj)
    meta = metadata_of(obj)
    for field in ("labels", "annotations"):
        value = meta.get(field)
        if value is not None and not _is_str_map(value):
            raise InvalidInput(f"{kind}/{name}: metadata.{field}: must be a map of strings")
    finalizers = meta.get("finalizers")
    if finalizers is not None and not _is_str_list(finalizers):
        raise InvalidInput(f"{kind}/{name}: metadata.finalizers: must be a list of strings")
    owners = meta.get("ownerReferences")
    if owners is not None and not isinstance(owners, list):
        raise InvalidInput(f"{kind}/{name}: metadata.ownerReferences: must be a list")


def _is_str_map(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _drop_empty(meta: dict[str, Any]) -> None:
    for field in _OMIT_WHEN_EMPTY:
        if field in meta and not meta[field]:
            del meta[field]
