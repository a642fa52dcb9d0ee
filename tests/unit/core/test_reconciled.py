"""lastReconciledSpec / lastStableSpec strings in FKO's format (fko-semantics.md §a)."""

from __future__ import annotations

import json

import pytest

from scurry.core.reconciled import ReconciledSpec, deserialize, serialize
from scurry.models.enums import JobState, UpgradeMode
from scurry.models.spec import FlinkDeploymentSpec, FlinkSessionJobSpec

DEPLOYMENT = FlinkDeploymentSpec.model_validate(
    {
        "image": "flink:2.2",
        "flinkVersion": "v2_2",
        "serviceAccount": "flink",
        "flinkConfiguration": {"state": {"savepoints.dir": "file:///sp"}, "a.b": 2},
        "podTemplate": {"spec": {"containers": [{"name": "flink-main-container"}]}},
        "jobManager": {"resource": {"memory": "2048m", "cpu": 1}},
        "taskManager": {"resources": {"requests": {"memory": "2Gi", "cpu": "500m"}}},
        "logConfiguration": {"log4j-console.properties": "rootLogger.level = INFO\n"},
        "job": {
            "jarURI": "local:///opt/flink/examples/streaming/StateMachineExample.jar",
            "parallelism": 2,
            "upgradeMode": "savepoint",
            "savepointTriggerNonce": 3,
        },
    }
)
SESSION_JOB = FlinkSessionJobSpec.model_validate(
    {"deploymentName": "session", "job": {"jarURI": "https://h/a.jar", "parallelism": 1}}
)


@pytest.mark.parametrize("first", [True, False])
def test_round_trip_deployment(first: bool) -> None:
    text = serialize(DEPLOYMENT, first_deployment=first)

    assert deserialize(text, FlinkDeploymentSpec) == ReconciledSpec(DEPLOYMENT, first)


def test_round_trip_session_job() -> None:
    text = serialize(SESSION_JOB, first_deployment=True)

    assert deserialize(text, FlinkSessionJobSpec) == ReconciledSpec(SESSION_JOB, True)


def test_serialization_is_deterministic() -> None:
    again = FlinkDeploymentSpec.model_validate(DEPLOYMENT.to_wire())

    assert serialize(again, first_deployment=False) == serialize(DEPLOYMENT, first_deployment=False)


def test_fko_format() -> None:
    text = serialize(DEPLOYMENT, first_deployment=True)
    data = json.loads(text)

    assert list(data) == ["spec", "resource_metadata"]
    assert data["resource_metadata"] == {
        "apiVersion": "flink.apache.org/v1beta1",
        "firstDeployment": True,
    }
    # The spec is written in full: defaults the user left out are spelled out.
    assert data["spec"]["job"] == {
        "jarURI": "local:///opt/flink/examples/streaming/StateMachineExample.jar",
        "parallelism": 2,
        "args": [],
        "state": "running",
        "savepointTriggerNonce": 3,
        "upgradeMode": "savepoint",
    }
    assert data["spec"]["jobManager"] == {
        "resource": {"cpu": 1.0, "memory": "2048m"},
        "replicas": 1,
    }
    # Opaque and nested values are kept as written, not flattened.
    assert data["spec"]["flinkConfiguration"] == {
        "state": {"savepoints.dir": "file:///sp"},
        "a.b": 2,
    }
    assert data["spec"]["podTemplate"] == {
        "spec": {"containers": [{"name": "flink-main-container"}]}
    }


def test_compact_json() -> None:
    text = serialize(SESSION_JOB, first_deployment=False)

    assert text == (
        '{"spec":{"job":{"jarURI":"https://h/a.jar","parallelism":1,"args":[],'
        '"state":"running","upgradeMode":"stateless"},"deploymentName":"session"},'
        '"resource_metadata":{"apiVersion":"flink.apache.org/v1beta1","firstDeployment":false}}'
    )


def test_reads_fko_written_text() -> None:
    """A string as FKO writes it (nulls included, Java field order)."""
    text = json.dumps(
        {
            "spec": {
                "job": {
                    "jarURI": "local:///opt/flink/examples/streaming/StateMachineExample.jar",
                    "parallelism": 2,
                    "entryClass": None,
                    "args": [],
                    "state": "suspended",
                    "savepointTriggerNonce": None,
                    "initialSavepointPath": None,
                    "checkpointTriggerNonce": None,
                    "upgradeMode": "last-state",
                    "allowNonRestoredState": None,
                    "savepointRedeployNonce": None,
                    "autoscalerResetNonce": None,
                },
                "restartNonce": None,
                "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
                "image": "flink:1.20",
                "imagePullPolicy": None,
                "serviceAccount": "flink",
                "flinkVersion": "v1_20",
                "ingress": None,
                "podTemplate": None,
                "jobManager": {
                    "resource": {"cpu": 1.0, "memory": "2048m", "ephemeralStorage": None},
                    "replicas": 1,
                    "podTemplate": None,
                },
                "taskManager": None,
                "logConfiguration": None,
                "mode": None,
            },
            "resource_metadata": {
                "apiVersion": "flink.apache.org/v1beta1",
                "firstDeployment": True,
            },
        }
    )

    reconciled = deserialize(text, FlinkDeploymentSpec)

    assert reconciled is not None
    assert reconciled.first_deployment is True
    job = reconciled.spec.job
    assert job is not None
    assert (job.state, job.upgrade_mode, job.parallelism) == (
        JobState.SUSPENDED,
        UpgradeMode.LAST_STATE,
        2,
    )
    assert reconciled.spec.flink_version is not None
    assert reconciled.spec.flink_version.value == "v1_20"
    assert reconciled.spec.job_manager is not None
    assert reconciled.spec.job_manager.resource is not None
    assert reconciled.spec.job_manager.resource.memory == "2048m"


def test_metadata_without_first_deployment_reads_false() -> None:
    text = (
        '{"spec":{"deploymentName":"s"},'
        '"resource_metadata":{"apiVersion":"flink.apache.org/v1beta1"}}'
    )

    reconciled = deserialize(text, FlinkSessionJobSpec)

    assert reconciled == ReconciledSpec(FlinkSessionJobSpec(deployment_name="s"), False)


def test_legacy_form_still_reads() -> None:
    """The old format: the spec itself, with a top-level apiVersion and no resource_metadata."""
    legacy = json.dumps(
        {
            "apiVersion": "flink.apache.org/v1beta1",
            "image": "flink:1.15",
            "flinkVersion": "v1_15",
            "job": {"jarURI": "local:///job.jar", "parallelism": 3, "state": "suspended"},
        }
    )

    reconciled = deserialize(legacy, FlinkDeploymentSpec)

    assert reconciled is not None
    assert reconciled.first_deployment is False
    assert reconciled.spec == FlinkDeploymentSpec.model_validate(
        {
            "image": "flink:1.15",
            "flinkVersion": "v1_15",
            "job": {"jarURI": "local:///job.jar", "parallelism": 3, "state": "suspended"},
        }
    )


def test_legacy_session_job_form_still_reads() -> None:
    legacy = (
        '{"apiVersion":"flink.apache.org/v1beta1","deploymentName":"s","job":{"parallelism":1}}'
    )

    reconciled = deserialize(legacy, FlinkSessionJobSpec)

    assert reconciled is not None
    assert reconciled.spec.deployment_name == "s"
    assert reconciled.spec.job is not None
    assert reconciled.spec.job.parallelism == 1


@pytest.mark.parametrize("text", [None, ""])
def test_nothing_reconciled(text: str | None) -> None:
    assert deserialize(text, FlinkDeploymentSpec) is None
