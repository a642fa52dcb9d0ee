"""Every upstream FKO example manifest loads, round-trips and validates.

The manifests are FKO's own (reference/fko-examples, read at run time). Loading
is `load_manifests` as the CLI and the API use it; validating is FKO's
DefaultValidator rules for FlinkDeployments (scurry has no separate validator
for FlinkSessionJob/FlinkStateSnapshot, so for them validating is the model's
field checks).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from referencekit import reference_path
from scurry.config.defaults import profile_defaults
from scurry.config.flinkconf import flatten
from scurry.core.clusterspec import effective_config
from scurry.core.validation import ValidationContext, validate_deployment
from scurry.errors import InvalidInput
from scurry.models.enums import FlinkVersion
from scurry.models.manifest import load_manifests, normalize, parse_documents
from scurry.models.resources import FlinkDeployment

FKO_KINDS = ("FlinkDeployment", "FlinkSessionJob", "FlinkStateSnapshot")
UNKNOWN = "unknownField"  # the unknown field FKO's *-with-unknown-fields fixtures add
# Kept as written: scurry does not interpret these, it hands them on.
OPAQUE = ("podTemplate", "ingress", "logConfiguration", "flinkConfiguration")
API_TESTS = Path("flink-kubernetes-operator-api/src/test/resources")

_ROOT = reference_path("fko-examples")
EXAMPLES = (
    sorted(str(p.relative_to(_ROOT)) for p in _ROOT.rglob("*.yaml")) if _ROOT.is_dir() else []
)


@pytest.fixture(scope="module")
def examples(reference: Path) -> Path:
    return reference / "fko-examples"


def read(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The FKO documents of a file and the others (PVCs, IngressClasses in e2e data)."""
    docs = parse_documents(path.read_text(), str(path))
    fko = [d for d in docs if d.get("kind") in FKO_KINDS]
    return fko, [d for d in docs if d.get("kind") not in FKO_KINDS]


def load(path: Path) -> list[dict[str, Any]]:
    """load_manifests on the file; on a mixed file, on its FKO documents only."""
    fko, foreign = read(path)
    if not foreign:
        return load_manifests(path.read_text(), str(path))
    with pytest.raises(InvalidInput) as refused:
        load_manifests(path.read_text(), str(path))
    assert f"kind: unknown kind {foreign[0]['kind']!r}" in str(refused.value)
    return load_manifests(yaml.safe_dump_all(fko), str(path))


def without_unknown(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_unknown(v) for k, v in value.items() if k != UNKNOWN}
    if isinstance(value, list):
        return [without_unknown(v) for v in value]
    return value


def assert_kept(source: Any, loaded: Any, path: str) -> None:
    """Every field of `source` is in `loaded` with the same value; opaque maps verbatim."""
    if isinstance(source, dict):
        assert isinstance(loaded, dict), path
        for key, value in source.items():
            assert key in loaded, f"{path}.{key} was dropped"
            if key in OPAQUE:
                assert loaded[key] == value, f"{path}.{key} changed"
            else:
                assert_kept(value, loaded[key], f"{path}.{key}")
    else:
        assert loaded == source, f"{path}: {source!r} became {loaded!r}"


def test_examples_are_there(examples: Path) -> None:
    assert len(EXAMPLES) >= 30
    assert (examples / "examples/basic.yaml").is_file()


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_loads_and_round_trips(examples: Path, name: str) -> None:
    path = examples / name
    sources, _ = read(path)

    loaded = load(path)

    assert sources, "every selected example holds an FKO resource"
    assert [(d["kind"], d["metadata"]["name"]) for d in loaded] == [
        (s["kind"], s["metadata"]["name"]) for s in sources
    ]
    for source, doc in zip(sources, loaded, strict=True):
        assert doc["apiVersion"] == "flink.apache.org/v1beta1"
        assert doc["metadata"]["namespace"] == source["metadata"].get("namespace", "default")
        assert doc["metadata"].get("labels") == source["metadata"].get("labels")
        assert_kept(without_unknown(source.get("spec", {})), doc["spec"], "spec")
        assert UNKNOWN not in json.dumps(doc)
        assert normalize(doc) == doc
        assert normalize(json.loads(json.dumps(doc))) == doc


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_deployments_validate(examples: Path, name: str) -> None:
    for doc in load(examples / name):
        if doc["kind"] != "FlinkDeployment":
            continue
        resource = FlinkDeployment.model_validate(doc)
        labels = resource.metadata.labels or {}
        if labels.get("flink.apache.org/canary") == "true":
            # FKO short-circuits canaries before validating them; as a spec it is incomplete.
            expected: str | None = "Flink Version must be defined."
        else:
            expected = None
        for profile, context in (
            ("kubernetes", ValidationContext(local=False)),
            ("local", ValidationContext(local=True)),
        ):
            config = effective_config(profile_defaults(profile), resource.spec)
            assert validate_deployment(resource, config, None, context) == expected, profile


def test_multi_document_file(examples: Path) -> None:
    docs = load_manifests((examples / "examples/basic-session-deployment-and-job.yaml").read_text())

    assert [(d["kind"], d["metadata"]["name"]) for d in docs] == [
        ("FlinkDeployment", "basic-session-deployment-example"),
        ("FlinkSessionJob", "basic-session-job-example"),
        ("FlinkSessionJob", "basic-session-job-example2"),
    ]
    assert "job" not in docs[0]["spec"]
    assert docs[1]["spec"]["deploymentName"] == "basic-session-deployment-example"
    assert docs[2]["spec"]["job"]["entryClass"] == (
        "org.apache.flink.streaming.examples.statemachine.StateMachineExample"
    )


@pytest.mark.parametrize(
    ("with_unknown", "plain"),
    [
        ("test-deployment-with-unknown-fields.yaml", None),
        ("test-session-job-with-unknown-fields.yaml", "test-session-job.yaml"),
        ("test-snapshot-with-unknown-fields.yaml", "test-snapshot.yaml"),
    ],
)
def test_unknown_fields_are_dropped(examples: Path, with_unknown: str, plain: str | None) -> None:
    path = examples / API_TESTS / with_unknown
    (source,) = read(path)[0]
    assert UNKNOWN in json.dumps(source)  # the fixture does carry unknown fields

    (doc,) = load_manifests(path.read_text())

    assert UNKNOWN not in json.dumps(doc)
    assert doc == normalize(without_unknown(source))
    if plain is not None:
        assert doc == load_manifests((examples / API_TESTS / plain).read_text())[0]


def test_unknown_fields_deployment_keeps_known_ones(examples: Path) -> None:
    (doc,) = load_manifests(
        (examples / API_TESTS / "test-deployment-with-unknown-fields.yaml").read_text()
    )

    assert doc["spec"]["jobManager"] == {"resource": {"memory": "2048m", "cpu": 1.0}}
    assert doc["spec"]["taskManager"] == {"resource": {"memory": "2048m", "cpu": 1.0}}
    assert doc["spec"]["job"] == {
        "jarURI": "local:///opt/flink/examples/streaming/StateMachineExample.jar",
        "parallelism": 2,
        "upgradeMode": "stateless",
    }


def test_nested_and_key_value_configuration_flatten_alike(examples: Path) -> None:
    (nested,) = load_manifests(
        (examples / API_TESTS / "test-deployment-yaml-configuration.yaml").read_text()
    )
    (flat,) = load_manifests(
        (examples / API_TESTS / "test-deployment-key-value-configuration.yaml").read_text()
    )
    expected = {
        "taskmanager.numberOfTaskSlots": "2",
        "state.savepoints.dir": "file:///flink-data/savepoints",
        "state.checkpoints.dir": "file:///flink-data/checkpoints",
        "high-availability.type": "kubernetes",
        "high-availability.storageDir": "file:///flink-data/ha",
    }

    assert nested["spec"]["flinkConfiguration"] != flat["spec"]["flinkConfiguration"]  # as written
    assert flatten(nested["spec"]["flinkConfiguration"]) == expected
    assert flatten(flat["spec"]["flinkConfiguration"]) == expected
    rest = {k: v for k, v in nested["spec"].items() if k != "flinkConfiguration"}
    assert rest == {k: v for k, v in flat["spec"].items() if k != "flinkConfiguration"}
    defaults = profile_defaults("kubernetes")
    nested_spec = FlinkDeployment.model_validate(nested).spec
    flat_spec = FlinkDeployment.model_validate(flat).spec
    assert effective_config(defaults, nested_spec) == effective_config(defaults, flat_spec)


def deployment(version: str) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": "versioned"},
        "spec": {
            "image": "flink:2.2",
            "flinkVersion": version,
            "serviceAccount": "flink",
            "jobManager": {"resource": {"memory": "2048m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "2048m", "cpu": 1}},
            "job": {"jarURI": "local:///opt/flink/job.jar", "parallelism": 2},
        },
    }


SUPPORTED = ["v1_15", "v1_16", "v1_17", "v1_18", "v1_19", "v1_20"] + [
    f"v2_{minor}" for minor in range(5)
]


def check(doc: dict[str, Any]) -> str | None:
    resource = FlinkDeployment.model_validate(doc)
    config = effective_config(profile_defaults("kubernetes"), resource.spec)
    return validate_deployment(resource, config, None, ValidationContext(local=False))


@pytest.mark.parametrize("version", SUPPORTED)
def test_supported_flink_versions(version: str) -> None:
    doc = normalize(deployment(version))

    assert doc["spec"]["flinkVersion"] == version
    assert check(doc) is None


@pytest.mark.parametrize("version", ["v1_13", "v1_14"])
def test_old_flink_versions_load_but_do_not_run(version: str) -> None:
    doc = normalize(deployment(version))

    assert doc["spec"]["flinkVersion"] == version
    assert check(doc) == f"Flink version {version} is not supported by this operator version"


def test_version_lists_cover_the_enum() -> None:
    assert [v.value for v in FlinkVersion] == ["v1_13", "v1_14", *SUPPORTED]
