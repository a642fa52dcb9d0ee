"""The documents `-o json|yaml` prints, field for field as Confluent's CLI prints them.

Confluent's CLI does not echo the server's body: it decodes each resource into
its own type and prints that, so the keys, their order and which empty fields
appear are the CLI's. A `Shape` says that per resource: which keys, in which
order, which are always printed (with their empty value) and which maps come
out with sorted keys (Go writes maps sorted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]


@dataclass(frozen=True)
class Key:
    name: str
    always: bool = False  # printed even when absent, with `empty`
    empty: Any = None
    inner: tuple[Key, ...] | None = None  # a nested object (or list of them) with its own shape
    sort: bool = False  # a free-form map: keys sorted, recursively


Shape = tuple[Key, ...]


def project(obj: Any, shape: Shape) -> Obj:
    """`obj` reduced to `shape`: its keys in the shape's order, absent ones left out."""
    source = obj if isinstance(obj, dict) else {}
    result: Obj = {}
    for key in shape:
        value = source.get(key.name)
        if value is None:
            if not key.always:
                continue
            value = key.empty() if callable(key.empty) else key.empty
        if key.inner is not None and isinstance(value, dict):
            value = project(value, key.inner)
        elif key.inner is not None and isinstance(value, list):
            value = [project(item, key.inner) for item in value]
        elif key.sort:
            value = sorted_keys(value)
        result[key.name] = value
    return result


def sorted_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: sorted_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sorted_keys(item) for item in value]
    return value


def _text(name: str) -> Key:
    return Key(name, always=True, empty="")


LABELS = (Key("labels", sort=True), Key("annotations", sort=True))
RESOURCE_HEAD = (_text("apiVersion"), _text("kind"))

ENVIRONMENT = (
    Key("secrets", sort=True),
    _text("name"),
    Key("created_time"),
    Key("updated_time"),
    Key("flinkApplicationDefaults", sort=True),
    _text("kubernetesNamespace"),
    Key("computePoolDefaults", sort=True),
    Key(
        "statementDefaults",
        inner=(
            Key("detached", inner=(Key("flinkConfiguration", sort=True),)),
            Key("interactive", inner=(Key("flinkConfiguration", sort=True),)),
        ),
    ),
)

APPLICATION = (
    *RESOURCE_HEAD,
    Key("metadata", always=True, sort=True),
    Key("spec", always=True, sort=True),
    Key("status", sort=True),
)

APPLICATION_INSTANCE = (
    *RESOURCE_HEAD,
    Key(
        "metadata",
        inner=(
            Key("name"),
            Key("uid"),
            Key("creationTimestamp"),
            Key("updateTimestamp"),
            *LABELS,
        ),
    ),
    Key(
        "status",
        inner=(Key("spec", sort=True), Key("jobStatus", inner=(Key("jobId"), Key("state")))),
    ),
)

APPLICATION_EVENT = (
    *RESOURCE_HEAD,
    Key(
        "metadata",
        always=True,
        empty=dict,
        inner=(
            Key("name"),
            Key("uid"),
            Key("creationTimestamp"),
            Key("flinkApplicationInstance"),
            *LABELS,
        ),
    ),
    Key(
        "status",
        always=True,
        empty=dict,
        inner=(Key("message"), Key("type"), Key("data", sort=True)),
    ),
)

SAVEPOINT = (
    *RESOURCE_HEAD,
    Key(
        "metadata",
        always=True,
        empty=dict,
        inner=(_text("name"), Key("creationTimestamp"), Key("uid"), *LABELS),
    ),
    Key(
        "spec",
        always=True,
        empty=dict,
        inner=(Key("path"), Key("backoffLimit"), Key("formatType")),
    ),
    Key(
        "status",
        inner=(
            Key("state"),
            Key("path"),
            Key("triggerTimestamp"),
            Key("resultTimestamp"),
            Key("failures"),
            Key("error"),
            Key("pendingDeletion"),
        ),
    ),
)

_NAMED_METADATA = (
    _text("name"),
    Key("creationTimestamp"),
    Key("updateTimestamp"),
    Key("uid"),
    *LABELS,
)

SECRET = (
    *RESOURCE_HEAD,
    Key("metadata", always=True, empty=dict, inner=_NAMED_METADATA),
    Key("spec", always=True, empty=dict, inner=(Key("data", sort=True),)),
    Key("status", inner=(Key("version"), Key("environments"))),
)

SECRET_MAPPING = (
    *RESOURCE_HEAD,
    Key("metadata", always=True, empty=dict, inner=_NAMED_METADATA),
    Key("spec", always=True, empty=dict, inner=(_text("secretName"),)),
)

_CONNECTION = (Key("connectionConfig", sort=True), Key("connectionSecretId"))
_ACCESS_STATUS = (Key("environmentsWithAccess"),)

KAFKA_CATALOG = (
    *RESOURCE_HEAD,
    Key("metadata", always=True, empty=dict, inner=_NAMED_METADATA),
    Key(
        "spec",
        always=True,
        empty=dict,
        inner=(
            Key("srInstance", inner=_CONNECTION),
            Key("kafkaClusters", inner=(Key("databaseName"), *_CONNECTION)),
        ),
    ),
    Key("status", inner=_ACCESS_STATUS),
)

KAFKA_DATABASE = (
    *RESOURCE_HEAD,
    Key("metadata", always=True, empty=dict, inner=_NAMED_METADATA),
    Key(
        "spec",
        always=True,
        empty=dict,
        inner=(Key("kafkaCluster", inner=_CONNECTION), Key("ddlEnvironments")),
    ),
    Key("status", inner=_ACCESS_STATUS),
)

SYSTEM_INFORMATION = (Key("status", inner=(Key("version"), Key("revision"))),)
