"""FKO's pod-template merge: the base `podTemplate` under a component's own template.

Maps merge key by key, the component's value winning. Lists merge element by
element at the same position, or, with `kubernetes.operator.pod-template.
merge-arrays-by-name: true` and a `name` on every element of both lists, by
name (base order first, new names appended). Nothing here mutates its inputs.

FKO merges two scalars at the same list position by keeping the base's value (a
side effect of its JSON-tree walk); here the component's value wins, as it does
everywhere else in the merge.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from scurry.config.flinkconf import is_true

MAIN_CONTAINER = "flink-main-container"
MERGE_BY_NAME = "kubernetes.operator.pod-template.merge-arrays-by-name"

Template = dict[str, Any]


def merge_by_name(config: Mapping[str, str]) -> bool:
    return is_true(config, MERGE_BY_NAME)


def merge_templates(
    base: Mapping[str, Any] | None, component: Mapping[str, Any] | None, *, by_name: bool
) -> Template | None:
    """The component's template laid over the base one; None when neither is given."""
    if base is None and component is None:
        return None
    merged = merge_values(copy.deepcopy(base or {}), copy.deepcopy(component or {}), by_name)
    return merged if isinstance(merged, dict) else None


def merge_values(base: Any, override: Any, by_name: bool) -> Any:
    """`override` laid over `base`; both are consumed (callers pass copies)."""
    if isinstance(base, dict) and isinstance(override, dict):
        for key, value in override.items():
            if value is None:  # not set: the base stays, as in FKO's tree merge
                continue
            base[key] = merge_values(base[key], value, by_name) if key in base else value
        return base
    if isinstance(base, list) and isinstance(override, list):
        if by_name and _all_named(base) and _all_named(override):
            return _merge_named(base, override)
        return _merge_positional(base, override, by_name)
    return override


def _all_named(items: list[Any]) -> bool:
    return all(isinstance(item, dict) and "name" in item for item in items)


def _merge_named(base: list[Any], override: list[Any]) -> list[Any]:
    merged: dict[str, Any] = {str(item["name"]): item for item in base}
    for item in override:
        key = str(item["name"])
        merged[key] = merge_values(merged[key], item, True) if key in merged else item
    return list(merged.values())


def _merge_positional(base: list[Any], override: list[Any], by_name: bool) -> list[Any]:
    merged = list(base)
    for index, item in enumerate(override):
        if index < len(merged):
            merged[index] = merge_values(merged[index], item, by_name)
        else:
            merged.append(item)
    return merged


def containers(template: Mapping[str, Any] | None, field: str = "containers") -> list[Any]:
    spec = (template or {}).get("spec") or {}
    items = spec.get(field) or []
    return list(items) if isinstance(items, list) else []


def split_main_container(template: Template) -> tuple[Template, list[Any]]:
    """The template's `flink-main-container` (empty if absent) and its other containers."""
    main: Template = {}
    others = []
    for item in containers(template):
        if isinstance(item, dict) and item.get("name") == MAIN_CONTAINER and not main:
            main = copy.deepcopy(item)
        else:
            others.append(copy.deepcopy(item))
    return main, others
