"""An environment's `flinkApplicationDefaults` merged into an application, CMF's way.

CMF documents that the environment's defaults take precedence over what the
application specifies: maps are merged key by key, recursively, and where
both give a value the environment's wins. Lists and scalars are replaced
whole. From the defaults' `metadata`, labels and annotations apply to the
FlinkDeployment; from their `spec`, everything.
"""

from __future__ import annotations

import copy
from typing import Any


def merged(base: Any, winner: Any) -> Any:
    """`base` with `winner` laid over it; neither argument is changed."""
    if not isinstance(base, dict) or not isinstance(winner, dict):
        return copy.deepcopy(winner)
    result = copy.deepcopy(base)
    for key, value in winner.items():
        result[key] = merged(result.get(key), value) if key in result else copy.deepcopy(value)
    return result


def merged_spec(app_spec: dict[str, Any], defaults: dict[str, Any] | None) -> dict[str, Any]:
    spec = (defaults or {}).get("spec")
    result: dict[str, Any] = (
        merged(app_spec, spec) if isinstance(spec, dict) else copy.deepcopy(app_spec)
    )
    return result


def merged_metadata(
    app_meta: dict[str, Any], defaults: dict[str, Any] | None, field: str
) -> dict[str, str]:
    """Labels or annotations (`field`) of the application, the environment's winning."""
    meta = (defaults or {}).get("metadata")
    given = meta.get(field) if isinstance(meta, dict) else None
    result = dict(app_meta.get(field) or {})
    if isinstance(given, dict):
        result.update({str(k): str(v) for k, v in given.items()})
    return result
