"""Server dry runs (`?dryRun=All`): the object as the store would keep it, nothing written.

The store's own write rules (`scurry.store.writes`) compute the answer, so a
dry run shows exactly what the write would: for a create, the server fields
a new object gets (a uid, generation 1, creationTimestamp; no
resourceVersion, as nothing was stored); for an update, the stored object
with the new metadata and spec, generation bumped only if the spec changed,
status and resourceVersion as stored.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Annotated
from uuid import uuid4

from fastapi import Depends, Query

from scurry.errors import InvalidInput
from scurry.ports import Obj
from scurry.store import writes


def parse_dry_run(value: Annotated[str | None, Query(alias="dryRun")] = None) -> bool:
    """`dryRun=All` (the one value Kubernetes knows) or nothing."""
    if value in (None, ""):
        return False
    if value != "All":
        raise InvalidInput(f"dryRun: unsupported value {value!r} (supported: All)")
    return True


DryRun = Annotated[bool, Depends(parse_dry_run)]


def created(request: Obj, now: datetime) -> Obj:
    """What `create` would store; resourceVersion stays empty as Kubernetes leaves it."""
    new = writes.prepare_create(request, uid=str(uuid4()), rv=0, now=now)
    new["metadata"].pop("resourceVersion", None)
    return new


def updated(stored: Obj, request: Obj) -> Obj:
    """What `update` would store (the stored object when nothing changes)."""
    new = writes.prepare_update(stored, request, rv=0)
    if new is None:
        return copy.deepcopy(stored)
    new["metadata"]["resourceVersion"] = stored["metadata"]["resourceVersion"]
    return new
