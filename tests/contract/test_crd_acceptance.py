"""What the CRD schemas accept, the models accept (DESIGN.md "Testing").

Instances are generated from each CRD's openAPIV3Schema `spec` and `status`
with hypothesis-jsonschema and must validate against the pydantic models and
come back unchanged from `to_wire()`. The reverse holds for enums: a value
outside a CRD enum is refused, naming the field.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from pydantic import BaseModel, ValidationError

from referencekit import reference_path
from scurry.config.defaults import profile_defaults
from scurry.config.flinkconf import flatten
from scurry.core.clusterspec import effective_config
from scurry.core.validation import ValidationContext, validate_deployment
from scurry.errors import InvalidInput
from scurry.models.manifest import normalize
from scurry.models.resources import FlinkDeployment
from scurry.models.spec import FlinkDeploymentSpec, FlinkSessionJobSpec, FlinkStateSnapshotSpec
from scurry.models.status import (
    FlinkDeploymentStatus,
    FlinkSessionJobStatus,
    FlinkStateSnapshotStatus,
)


def _hypothesis_jsonschema_works() -> bool:
    """hypothesis-jsonschema 0.23 calls a hypothesis internal (many.more) removed in 6.167.1."""
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    try:
        find(from_schema(schema), lambda _: True)
    except AttributeError:
        return False
    return True


if not _hypothesis_jsonschema_works():  # pragma: no cover - environment check
    pytest.fail(
        "hypothesis-jsonschema cannot generate objects with the installed hypothesis "
        "(0.23.x needs hypothesis < 6.167.1); pin hypothesis in the dev extra",
        pytrace=False,
    )

CRDS = reference_path("fko-crds")
KINDS = {
    "FlinkDeployment": ("flinkdeployments", FlinkDeploymentSpec, FlinkDeploymentStatus),
    "FlinkSessionJob": ("flinksessionjobs", FlinkSessionJobSpec, FlinkSessionJobStatus),
    "FlinkStateSnapshot": ("flinkstatesnapshots", FlinkStateSnapshotSpec, FlinkStateSnapshotStatus),
}
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# The model keeps pod templates as opaque dicts (scurry hands them on, it does not read
# them), so the huge embedded Pod schema is replaced by "any object": what the model is
# asked to accept is any JSON object there, which is more than the CRD allows.
OPAQUE_OBJECT: dict[str, Any] = {"type": "object"}
# `flinkConfiguration` has no type in the CRD (x-kubernetes-preserve-unknown-fields), but
# FKO only deserializes a map (ConfigObjectNode): flat `key: value` pairs or nested YAML
# maps, with scalar leaves. So: objects of string/int/bool values or of nested such objects.
_SCALAR: list[dict[str, Any]] = [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}]
FLINK_CONFIGURATION: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [*_SCALAR, {"type": "object", "additionalProperties": {"anyOf": _SCALAR}}]
    },
}


@functools.cache
def crd_schema(plural: str) -> dict[str, Any]:
    path = CRDS / f"{plural}.flink.apache.org-v1.yml"
    if not path.is_file():
        pytest.skip(f"CRD not found at {path}")
    crd = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    (version,) = (v for v in crd["spec"]["versions"] if v["name"] == "v1beta1")
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]
    return schema


def prepare(schema: dict[str, Any]) -> dict[str, Any]:
    """A CRD subschema as plain JSON Schema describing what the API server stores.

    - podTemplate -> OPAQUE_OBJECT, flinkConfiguration -> FLINK_CONFIGURATION (see above);
    - `x-kubernetes-int-or-string` comes with `anyOf: [integer, string]`, which is plain
      JSON Schema and kept; the `x-kubernetes-*` markers themselves are dropped;
    - objects get `additionalProperties: false` unless they say otherwise: the API server
      prunes unknown fields of a structural schema, so stored objects have none (that the
      models also ignore unknown fields is tested with FKO's fixtures in test_fko_examples).
    """
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "description" or key.startswith("x-kubernetes-"):
            continue
        if key == "properties":
            out[key] = {name: _property(name, sub) for name, sub in value.items()}
        elif isinstance(value, dict):
            out[key] = prepare(value)
        elif isinstance(value, list):
            out[key] = [prepare(v) if isinstance(v, dict) else v for v in value]
        else:
            out[key] = value
    if out.get("type") == "object" and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def _property(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    if name == "podTemplate":
        return copy.deepcopy(OPAQUE_OBJECT)
    if name == "flinkConfiguration":
        return copy.deepcopy(FLINK_CONFIGURATION)
    return prepare(schema)


@functools.cache
def subschema(kind: str, part: str) -> dict[str, Any]:
    """The prepared schema (cached: treat as read-only)."""
    plural = KINDS[kind][0]
    return prepare(crd_schema(plural)["properties"][part])


@functools.cache
def generated(kind: str, part: str) -> st.SearchStrategy[Any]:
    return from_schema(subschema(kind, part))


def check_accepts(model: type[BaseModel], schema: dict[str, Any], instance: Any) -> BaseModel:
    jsonschema.validate(instance, schema)  # the generator stays honest
    parsed = model.model_validate(instance)
    assert parsed.to_wire() == instance  # type: ignore[attr-defined]
    return parsed


def accepts(kind: str, part: str, data: st.DataObject) -> BaseModel:
    instance = data.draw(generated(kind, part), label=f"{kind}.{part}")
    return check_accepts(model_for(kind, part), subschema(kind, part), instance)


def model_for(kind: str, part: str) -> type[BaseModel]:
    _, spec_model, status_model = KINDS[kind]
    return spec_model if part == "spec" else status_model


# One test per kind and part, so a failure names what the model refuses.
@SETTINGS
@given(st.data())
def test_flink_deployment_spec(data: st.DataObject) -> None:
    spec = accepts("FlinkDeployment", "spec", data)
    assert isinstance(spec, FlinkDeploymentSpec)
    assert all(isinstance(v, str) for v in flatten(spec.flink_configuration).values())


@SETTINGS
@given(st.data())
def test_flink_deployment_status(data: st.DataObject) -> None:
    accepts("FlinkDeployment", "status", data)


@SETTINGS
@given(st.data())
def test_flink_session_job_spec(data: st.DataObject) -> None:
    accepts("FlinkSessionJob", "spec", data)


@SETTINGS
@given(st.data())
def test_flink_session_job_status(data: st.DataObject) -> None:
    accepts("FlinkSessionJob", "status", data)


@SETTINGS
@given(st.data())
def test_flink_state_snapshot_spec(data: st.DataObject) -> None:
    accepts("FlinkStateSnapshot", "spec", data)


@SETTINGS
@given(st.data())
def test_flink_state_snapshot_status(data: st.DataObject) -> None:
    accepts("FlinkStateSnapshot", "status", data)


@settings(SETTINGS, max_examples=60)
@given(st.data())
def test_admission_never_raises_on_a_schema_valid_deployment(data: st.DataObject) -> None:
    """Effective config + validation answer with None or a message for anything stored."""
    spec = data.draw(generated("FlinkDeployment", "spec"))
    resource = FlinkDeployment.model_validate({"metadata": {"name": "generated"}, "spec": spec})
    for profile, context in (
        ("kubernetes", ValidationContext(local=False)),
        ("local", ValidationContext(local=True)),
    ):
        config = effective_config(profile_defaults(profile), resource.spec)
        error = validate_deployment(resource, config, None, context)
        assert error is None or (isinstance(error, str) and error)


# --- int-or-string quantities ----------------------------------------------------------------


@pytest.mark.parametrize("memory", [2147483648, "2Gi", "2048m"])
def test_int_or_string_quantities(memory: int | str) -> None:
    schema = subschema("FlinkDeployment", "spec")
    instance = {"jobManager": {"resources": {"requests": {"memory": memory, "cpu": 1}}}}

    spec = check_accepts(FlinkDeploymentSpec, schema, instance)

    assert isinstance(spec, FlinkDeploymentSpec)
    assert spec.job_manager is not None
    assert spec.job_manager.resources is not None
    assert spec.job_manager.resources.requests == {"memory": memory, "cpu": 1}


def test_prepared_schema_keeps_int_or_string() -> None:
    requests = subschema("FlinkDeployment", "spec")["properties"]["jobManager"]["properties"][
        "resources"
    ]["properties"]["requests"]

    assert requests["additionalProperties"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}


# --- enums: the CRD's values and nothing else ---------------------------------------------


def enum_paths(schema: dict[str, Any], path: tuple[str | int, ...] = ()) -> Iterator[Any]:
    """(path, values) of every enum; list items are at index 0."""
    if "enum" in schema:
        yield path, schema["enum"]
    for name, sub in schema.get("properties", {}).items():
        yield from enum_paths(sub, (*path, name))
    if isinstance(schema.get("items"), dict):
        yield from enum_paths(schema["items"], (*path, 0))


def instance_at(path: tuple[str | int, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    return [instance_at(rest, value)] if isinstance(head, int) else {head: instance_at(rest, value)}


ENUMS = [
    pytest.param(kind, part, path, values, id=f"{kind}.{part}." + ".".join(map(str, path)))
    for kind in KINDS
    for part in ("spec", "status")
    if CRDS.is_dir()
    for path, values in enum_paths(subschema(kind, part))
]


def test_every_crd_enum_is_checked() -> None:
    if not CRDS.is_dir():
        pytest.skip("CRDs not found")
    ids = {p.id for p in ENUMS}
    assert len(ENUMS) == 36
    for expected in (
        "FlinkDeployment.spec.flinkVersion",
        "FlinkDeployment.spec.job.upgradeMode",
        "FlinkDeployment.spec.mode",
        "FlinkDeployment.status.jobStatus.savepointInfo.savepointHistory.0.triggerType",
        "FlinkStateSnapshot.spec.jobReference.kind",
        "FlinkStateSnapshot.status.state",
    ):
        assert expected in ids


@pytest.mark.parametrize(("kind", "part", "path", "values"), ENUMS)
def test_enum_values_accepted(
    kind: str, part: str, path: tuple[str | int, ...], values: list[str]
) -> None:
    model = model_for(kind, part)
    for value in values:
        parsed = model.model_validate(instance_at(path, value))
        assert parsed.to_wire() == instance_at(path, value)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("kind", "part", "path", "values"), ENUMS)
def test_value_outside_enum_refused(
    kind: str, part: str, path: tuple[str | int, ...], values: list[str]
) -> None:
    bad = "foo"
    assert bad not in values
    model = model_for(kind, part)

    with pytest.raises(ValidationError) as refused:
        model.model_validate(instance_at(path, bad))

    assert [e["loc"] for e in refused.value.errors()] == [path]


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        (
            {"job": {"upgradeMode": "foo"}},
            "spec.job.upgradeMode: Input should be 'stateless', 'savepoint' or 'last-state'",
        ),
        (
            {"flinkVersion": "v9_9"},
            "spec.flinkVersion: Input should be 'v1_13', 'v1_14', 'v1_15', 'v1_16', 'v1_17', "
            "'v1_18', 'v1_19', 'v1_20', 'v2_0', 'v2_1', 'v2_2', 'v2_3' or 'v2_4'",
        ),
        ({"job": {"state": "paused"}}, "spec.job.state: Input should be 'running' or 'suspended'"),
        ({"mode": "yarn"}, "spec.mode: Input should be 'native' or 'standalone'"),
    ],
)
def test_manifest_error_names_the_field(spec: dict[str, Any], error: str) -> None:
    doc = {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": "bad"},
        "spec": spec,
    }

    with pytest.raises(InvalidInput) as refused:
        normalize(doc)

    assert str(refused.value) == f"FlinkDeployment/bad: {error}"
