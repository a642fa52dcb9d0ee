"""Object bodies as the database holds them: JSON, with the values of Secrets sealed.

Like Kubernetes' encryption at rest, sealing happens where objects are
written to storage: every other part of scurry (the API, the controller,
watches) sees ordinary Secrets, and the `objects` and `changes` tables hold
only sealed values. Each value is bound to its Secret and key (`SecretBox`
context), so a sealed value copied to another Secret does not open. A value
stored unsealed (by a store without a key) is read as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial

from scurry.config.secretbox import SecretBox
from scurry.errors import InvalidInput
from scurry.ports import Obj

SEALED_FIELDS = ("data", "stringData")


def is_secret(obj: Obj) -> bool:
    return obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"


class Bodies:
    """Turns objects into body text and back; `box` seals Secrets (None: stored as given)."""

    def __init__(self, box: SecretBox | None = None) -> None:
        self._box = box

    def dump(self, obj: Obj) -> str:
        stored = obj
        if self._box is not None and is_secret(obj):
            stored = each_value(obj, self._box.seal)
        try:
            return json.dumps(stored, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"object is not representable as JSON: {exc}") from None

    def load(self, text: str) -> Obj:
        obj: Obj = json.loads(text)
        if self._box is not None and is_secret(obj):
            return each_value(obj, partial(_open, self._box))
        return obj


def _open(box: SecretBox, value: str, context: str) -> str:
    return box.open(value, context) if box.is_sealed(value) else value


def each_value(obj: Obj, change: Callable[[str, str], str]) -> Obj:
    """`obj` with `change(value, context)` applied to each string value of its sealed fields."""
    meta = obj.get("metadata") or {}
    where = f"Secret/{meta.get('namespace')}/{meta.get('name')}"
    result = dict(obj)
    for field in SEALED_FIELDS:
        values = obj.get(field)
        if isinstance(values, dict):
            result[field] = {
                key: change(value, f"{where}/{key}") if isinstance(value, str) else value
                for key, value in values.items()
            }
    return result
