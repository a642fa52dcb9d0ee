"""lastReconciledSpec / lastStableSpec in FKO's serialized form.

FKO stores `{"spec": {...}, "resource_metadata": {"apiVersion": ..., "firstDeployment": ...}}`
as a string in the status; the older form (the spec itself with a top-level
`apiVersion`) is still read. Tools that parse this string keep working.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from scurry.models.resources import FLINK_API_VERSION
from scurry.models.spec import FlinkDeploymentSpec, FlinkSessionJobSpec

SpecT = TypeVar("SpecT", FlinkDeploymentSpec, FlinkSessionJobSpec)


@dataclass(frozen=True)
class ReconciledSpec(Generic[SpecT]):
    spec: SpecT
    first_deployment: bool


def serialize(spec: FlinkDeploymentSpec | FlinkSessionJobSpec, *, first_deployment: bool) -> str:
    body = {
        "spec": spec.to_wire(full=True),
        "resource_metadata": {"apiVersion": FLINK_API_VERSION, "firstDeployment": first_deployment},
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=False)


def deserialize(text: str | None, spec_type: type[SpecT]) -> ReconciledSpec[SpecT] | None:
    """The recorded spec; parsed once per distinct text (a reconcile reads it many times).

    The cached value is shared: callers derive new specs with `model_copy`, never mutate.
    """
    if not text:
        return None
    return _parse(text, spec_type)


@functools.lru_cache(maxsize=4096)
def _parse(text: str, spec_type: type[SpecT]) -> ReconciledSpec[SpecT]:
    data: dict[str, Any] = json.loads(text)
    if "resource_metadata" in data or ("spec" in data and isinstance(data.get("spec"), dict)):
        meta = data.get("resource_metadata") or {}
        spec = spec_type.model_validate(data.get("spec") or {})
        return ReconciledSpec(spec, bool(meta.get("firstDeployment", False)))
    legacy = {k: v for k, v in data.items() if k != "apiVersion"}
    return ReconciledSpec(spec_type.model_validate(legacy), False)
