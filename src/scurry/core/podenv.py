"""The environment of `flink-main-container`, resolved as Kubernetes resolves it.

Pod templates merge as FKO merges them (the top-level `podTemplate` under
the JobManager's or TaskManager's own: objects key by key, arrays element by
element, or by `name` with `kubernetes.operator.pod-template.merge-arrays-by-name`).
The main container's environment then follows the kubelet's rules:

- `envFrom` sources in order (a later source wins), each key of a
  ConfigMap's `data` or a Secret's `data` becoming `prefix + key`; keys that
  are no environment variable name are skipped and reported;
- then `env` in order, overriding: a `value` with `$(VAR)` references to the
  variables defined so far expanded (`$$` is a literal `$`), or a
  `valueFrom.configMapKeyRef` / `secretKeyRef`;
- a missing object or key is an error naming it, unless `optional: true`,
  which leaves the variable (or the whole source) out;
- `fieldRef` / `resourceFieldRef` describe a pod, which a local process is
  not: such variables are left out and reported.

Pure: the ConfigMaps and Secrets come in as `Sources` (their data, decoded).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from scurry.errors import ScurryError

MAIN_CONTAINER = "flink-main-container"
MERGE_BY_NAME = "kubernetes.operator.pod-template.merge-arrays-by-name"
SourceKind = Literal["ConfigMap", "Secret"]


@dataclass(frozen=True)
class Ref:
    """A ConfigMap or Secret a container refers to (in the container's namespace)."""

    kind: SourceKind
    name: str


Sources = Mapping[Ref, Mapping[str, str]]  # the data of the objects that exist
SOURCE_REFS: tuple[tuple[str, SourceKind], ...] = (
    ("configMapRef", "ConfigMap"),
    ("secretRef", "Secret"),
)
KEY_REFS: tuple[tuple[str, SourceKind], ...] = (
    ("configMapKeyRef", "ConfigMap"),
    ("secretKeyRef", "Secret"),
)


class MissingReference(ScurryError):
    """A required ConfigMap, Secret or key is missing: the container cannot start."""

    http_status = 422
    event_reason = "CreateContainerConfigError"


class InvalidEnvironment(ScurryError):
    """An env entry Kubernetes would refuse: the pod (here, the processes) is not created."""

    http_status = 422


@dataclass(frozen=True)
class Resolved:
    env: dict[str, str]
    skipped: tuple[str, ...] = ()  # why some names were left out, one note each


# -- pod templates ---------------------------------------------------------------------


def merge_templates(
    base: Mapping[str, Any] | None, override: Mapping[str, Any] | None, *, by_name: bool
) -> dict[str, Any] | None:
    """`override` merged into a copy of `base` by FKO's rules; None when both are absent."""
    if not base and not override:
        return None
    merged: dict[str, Any] = copy.deepcopy(dict(base or {}))
    _merge_into(merged, override or {}, by_name)
    return merged


def _merge_into(target: dict[str, Any], source: Mapping[str, Any], by_name: bool) -> None:
    for key, value in source.items():
        current = target.get(key)
        if isinstance(current, list) and isinstance(value, list):
            _merge_lists(current, value, by_name)
        elif isinstance(current, dict) and isinstance(value, dict):
            _merge_into(current, value, by_name)
        else:
            target[key] = copy.deepcopy(value)


def _merge_lists(target: list[Any], source: list[Any], by_name: bool) -> None:
    if by_name and _named(target) and _named(source):
        index = {item["name"]: item for item in target}
        for item in source:
            if item["name"] in index:
                _merge_into(index[item["name"]], item, by_name)
            else:
                target.append(copy.deepcopy(item))
        return
    for position, item in enumerate(source):
        if position >= len(target):
            target.append(copy.deepcopy(item))
        elif isinstance(target[position], dict) and isinstance(item, dict):
            _merge_into(target[position], item, by_name)
        else:
            target[position] = copy.deepcopy(item)


def _named(items: list[Any]) -> bool:
    return all(isinstance(item, dict) and "name" in item for item in items)


def main_container(template: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The `flink-main-container` of a pod template, if it declares one."""
    containers = ((template or {}).get("spec") or {}).get("containers") or []
    for container in containers:
        if isinstance(container, dict) and container.get("name") == MAIN_CONTAINER:
            return container
    return None


def beyond_environment(template: Mapping[str, Any] | None) -> bool:
    """Whether a template says more than the main container's env and envFrom."""
    if not template:
        return False
    rest = {key: value for key, value in template.items() if key != "spec"}
    spec = dict(template.get("spec") or {})
    containers = spec.pop("containers", None) or []
    main = main_container(template)
    if rest or spec or any(c is not main for c in containers):
        return True
    return bool(main and set(main) - {"name", "env", "envFrom"})


# -- references --------------------------------------------------------------------------


def references(container: Mapping[str, Any] | None) -> set[Ref]:
    """Every ConfigMap and Secret the container's env and envFrom name."""
    found: set[Ref] = set()
    for source in _items(container, "envFrom"):
        for key, kind in SOURCE_REFS:
            ref = source.get(key)
            if isinstance(ref, dict) and ref.get("name"):
                found.add(Ref(kind, str(ref["name"])))
    for variable in _items(container, "env"):
        value_from = variable.get("valueFrom") or {}
        for key, kind in KEY_REFS:
            ref = value_from.get(key)
            if isinstance(ref, dict) and ref.get("name"):
                found.add(Ref(kind, str(ref["name"])))
    return found


def template_references(templates: Iterable[Mapping[str, Any] | None]) -> set[Ref]:
    """The references of the main containers of any of `templates` (merged or not)."""
    return set().union(*(references(main_container(t)) for t in templates))


# -- resolution ----------------------------------------------------------------------------


def resolve(container: Mapping[str, Any] | None, sources: Sources, namespace: str) -> Resolved:
    """The container's environment; MissingReference names what a required reference lacks."""
    env: dict[str, str] = {}
    skipped: list[str] = []
    for source in _items(container, "envFrom"):
        _from_source(source, sources, env, skipped)
    for variable in _items(container, "env"):
        _variable(variable, sources, namespace, env, skipped)
    return Resolved(env, tuple(skipped))


def _from_source(
    source: Mapping[str, Any], sources: Sources, env: dict[str, str], skipped: list[str]
) -> None:
    prefix = str(source.get("prefix") or "")
    for key, kind in SOURCE_REFS:
        ref = source.get(key)
        if not isinstance(ref, dict):
            continue
        name = str(ref.get("name") or "")
        data = _lookup(Ref(kind, name), sources, bool(ref.get("optional")))
        if data is None:
            continue
        named = {prefix + key_name: value for key_name, value in data.items()}
        invalid = sorted(variable for variable in named if not valid_name(variable))
        if invalid:
            skipped.append(
                f"keys {invalid} from the envFrom {kind.lower()} {name} were skipped since "
                "they are not valid environment variable names"
            )
        env.update({variable: value for variable, value in named.items() if valid_name(variable)})


def _variable(
    variable: Mapping[str, Any],
    sources: Sources,
    namespace: str,
    env: dict[str, str],
    skipped: list[str],
) -> None:
    name = str(variable.get("name") or "")
    if not valid_name(name):
        skipped.append(f"env {name!r} was skipped: not a valid environment variable name")
        return
    value_from = variable.get("valueFrom")
    if not isinstance(value_from, dict):
        env[name] = expand(str(variable.get("value") or ""), env)
        return
    if variable.get("value"):
        # What the API server refuses in a pod (FKO's merge by position can make it).
        raise InvalidEnvironment(
            f"env {name}: valueFrom may not be specified when value is not empty"
        )
    value = _value_from(value_from, sources, namespace)
    if value is _POD_FIELD:
        skipped.append(f"env {name!r} was skipped: a local process has no pod fields")
    elif isinstance(value, str):
        env[name] = value


_POD_FIELD = object()


def _value_from(value_from: Mapping[str, Any], sources: Sources, namespace: str) -> object:
    """The referenced value; None when an optional reference is missing; `_POD_FIELD` for
    `fieldRef` / `resourceFieldRef`."""
    for key, kind in KEY_REFS:
        ref = value_from.get(key)
        if not isinstance(ref, dict):
            continue
        optional = bool(ref.get("optional"))
        name, wanted = str(ref.get("name") or ""), str(ref.get("key") or "")
        data = _lookup(Ref(kind, name), sources, optional)
        if data is None:
            return None
        if wanted not in data:
            if optional:
                return None
            raise MissingReference(f"couldn't find key {wanted} in {kind} {namespace}/{name}")
        return data[wanted]
    return _POD_FIELD


def _lookup(ref: Ref, sources: Sources, optional: bool) -> Mapping[str, str] | None:
    data = sources.get(ref)
    if data is None and not optional:
        raise MissingReference(f'{ref.kind.lower()} "{ref.name}" not found')
    return data


def valid_name(name: str) -> bool:
    """Kubernetes' rule since 1.34: printable ASCII, not empty, no '='."""
    return bool(name) and "=" not in name and all(" " <= char <= "~" for char in name)


def expand(text: str, env: Mapping[str, str]) -> str:
    """`$(VAR)` replaced by VAR's value if defined (kept as is otherwise); `$$` is `$`."""
    out: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        following = text[position + 1] if position + 1 < len(text) else ""
        if char == "$" and following == "$":
            out.append("$")
            position += 2
            continue
        if char == "$" and following == "(":
            end = text.find(")", position + 2)
            if end != -1:
                name = text[position + 2 : end]
                out.append(env[name] if name in env else text[position : end + 1])
                position = end + 1
                continue
        out.append(char)
        position += 1
    return "".join(out)


def _items(container: Mapping[str, Any] | None, key: str) -> list[Mapping[str, Any]]:
    values = (container or {}).get(key) or []
    return [value for value in values if isinstance(value, dict)]
