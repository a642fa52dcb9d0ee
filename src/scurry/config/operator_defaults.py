"""Operator-wide Flink defaults, in the shape of FKO's default configuration.

FKO's operator ConfigMap (`config.yaml`, Helm `defaultConfiguration`) holds plain
Flink keys, defaults for every resource, and scoped ones:

    kubernetes.operator.default-configuration.namespace.<ns>.<key>: value
    kubernetes.operator.default-configuration.flink-version.<v>.<key>: value

where `<v>` is `v1_18` (that version only) or `v1_18+` (that version and newer).
As in FKO's FlinkConfigManager, plain keys come first, then the namespace's,
then the `+` versions in ascending order, then the exact version: a version
default wins over a namespace default of the same key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from scurry.config.flinkconf import FlatConfig, flatten

SCOPE_PREFIX = "kubernetes.operator.default-configuration."
NAMESPACE_PREFIX = f"{SCOPE_PREFIX}namespace."
VERSION_PREFIX = f"{SCOPE_PREFIX}flink-version."
_VERSION = re.compile(r"v(\d+)_(\d+)(\+?)")

Layer = tuple[str, Mapping[str, str]]


def _version_number(version: str) -> tuple[int, int] | None:
    match = _VERSION.fullmatch(version)
    return (int(match.group(1)), int(match.group(2))) if match else None


@dataclass(frozen=True)
class OperatorDefaults:
    """Plain defaults plus the ones scoped to a namespace or a Flink version (`v2_3`, `v1_19+`)."""

    plain: Mapping[str, str] = field(default_factory=dict)
    namespaces: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    versions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> OperatorDefaults:
        """From flink-conf style YAML (nested or flat keys); ValueError says what is wrong."""
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"not valid YAML: {exc}") from None
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ValueError("must be a map of Flink configuration keys")
        return cls.from_config(data)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OperatorDefaults:
        plain: FlatConfig = {}
        namespaces: dict[str, FlatConfig] = {}
        versions: dict[str, FlatConfig] = {}
        for key, value in flatten(config).items():
            if key.startswith(NAMESPACE_PREFIX):
                scope, name = _split_scope(key, NAMESPACE_PREFIX)
                namespaces.setdefault(scope, {})[name] = value
            elif key.startswith(VERSION_PREFIX):
                scope, name = _split_scope(key, VERSION_PREFIX)
                if _version_number(scope) is None:
                    raise ValueError(f"{key}: {scope!r} is not a Flink version (v<major>_<minor>)")
                versions.setdefault(scope, {})[name] = value
            else:
                plain[key] = value
        return cls(plain, namespaces, versions)

    def layers(self, namespace: str | None, flink_version: str | None) -> list[Layer]:
        """(source, keys) from lowest to highest precedence: defaults, namespace, flink-version."""
        layers: list[Layer] = [("defaults", self.plain)]
        if namespace is not None and namespace in self.namespaces:
            layers.append(("namespace", self.namespaces[namespace]))
        layers.extend(("flink-version", self.versions[v]) for v in self._versions(flink_version))
        return layers

    def _versions(self, flink_version: str | None) -> list[str]:
        """The version scopes that apply: `+` ones up to this version (ascending), then exact."""
        current = _version_number(flink_version) if flink_version else None
        if flink_version is None or current is None:
            return []
        newer_than = sorted(
            (number, scope)
            for scope in self.versions
            if scope.endswith("+") and (number := _version_number(scope)) and number <= current
        )
        exact = [flink_version] if flink_version in self.versions else []
        return [scope for _, scope in newer_than] + exact


def _split_scope(key: str, prefix: str) -> tuple[str, str]:
    scope, dot, name = key[len(prefix) :].partition(".")
    if not scope or not dot or not name:
        raise ValueError(f"{key}: expected {prefix}<scope>.<key>")
    return scope, name
