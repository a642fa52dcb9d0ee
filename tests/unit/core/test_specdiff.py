"""diff_specs: FKO's @SpecDiff rules (fko-semantics.md §a, §c step 4), field by field."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scurry.core.specdiff import FieldChange, SpecDiff, diff_specs
from scurry.models.enums import DeploymentMode, DiffType
from scurry.models.spec import FlinkDeploymentSpec, FlinkSessionJobSpec

NATIVE, STANDALONE = DeploymentMode.NATIVE, DeploymentMode.STANDALONE
IGNORE, SCALE, UPGRADE = DiffType.IGNORE, DiffType.SCALE, DiffType.UPGRADE
REDEPLOY = DiffType.SAVEPOINT_REDEPLOY

BASE: dict[str, Any] = {
    "image": "flink:2.2",
    "flinkVersion": "v2_2",
    "serviceAccount": "flink",
    "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
    "podTemplate": {"spec": {"containers": [{"name": "flink-main-container"}]}},
    "jobManager": {"resource": {"memory": "2048m", "cpu": 1}},
    "taskManager": {"resources": {"requests": {"memory": "2048m", "cpu": "1"}}},
    "job": {
        "jarURI": "local:///opt/flink/examples/streaming/StateMachineExample.jar",
        "parallelism": 2,
        "upgradeMode": "stateless",
    },
}


def spec(**patch: Any) -> FlinkDeploymentSpec:
    """BASE with top-level keys replaced and `job`/`flinkConfiguration` entries merged."""
    data = copy.deepcopy(BASE)
    for key, value in patch.items():
        if key in ("job", "flinkConfiguration") and value is not None:
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return FlinkDeploymentSpec.model_validate(data)


# (id, old, new, mode, [(path, old, new, type)])
CASES: list[tuple[str, FlinkDeploymentSpec, FlinkDeploymentSpec, DeploymentMode, list[Any]]] = [
    # IGNORE
    (
        "upgrade-mode",
        spec(),
        spec(job={"upgradeMode": "savepoint"}),
        NATIVE,
        [("job.upgradeMode", "stateless", "savepoint", IGNORE)],
    ),
    (
        "savepoint-trigger-nonce",
        spec(),
        spec(job={"savepointTriggerNonce": 1}),
        NATIVE,
        [("job.savepointTriggerNonce", None, 1, IGNORE)],
    ),
    (
        "checkpoint-trigger-nonce",
        spec(job={"checkpointTriggerNonce": 1}),
        spec(job={"checkpointTriggerNonce": 2}),
        NATIVE,
        [("job.checkpointTriggerNonce", 1, 2, IGNORE)],
    ),
    (
        "initial-savepoint-path",
        spec(),
        spec(job={"initialSavepointPath": "file:///sp/1"}),
        NATIVE,
        [("job.initialSavepointPath", None, "file:///sp/1", IGNORE)],
    ),
    (
        "allow-non-restored-state",
        spec(job={"allowNonRestoredState": False}),
        spec(job={"allowNonRestoredState": True}),
        NATIVE,
        [("job.allowNonRestoredState", False, True, IGNORE)],
    ),
    (
        "autoscaler-reset-nonce",
        spec(),
        spec(job={"autoscalerResetNonce": 7}),
        NATIVE,
        [("job.autoscalerResetNonce", None, 7, IGNORE)],
    ),
    (
        "config-job-autoscaler",
        spec(),
        spec(flinkConfiguration={"job.autoscaler.enabled": "true"}),
        NATIVE,
        [("flinkConfiguration.job.autoscaler.enabled", None, "true", IGNORE)],
    ),
    (
        "config-parallelism-default",
        spec(flinkConfiguration={"parallelism.default": "1"}),
        spec(flinkConfiguration={"parallelism.default": "4"}),
        NATIVE,
        [("flinkConfiguration.parallelism.default", "1", "4", IGNORE)],
    ),
    (
        "config-kubernetes-operator",
        spec(),
        spec(flinkConfiguration={"kubernetes.operator.periodic.savepoint.interval": "1h"}),
        NATIVE,
        [
            (
                "flinkConfiguration.kubernetes.operator.periodic.savepoint.interval",
                None,
                "1h",
                IGNORE,
            )
        ],
    ),
    (
        "restart-nonce-set-to-null",
        spec(restartNonce=3),
        spec(restartNonce=None),
        NATIVE,
        [("restartNonce", 3, None, IGNORE)],
    ),
    (
        "savepoint-redeploy-nonce-set-to-null",
        spec(job={"savepointRedeployNonce": 3}),
        spec(job={"savepointRedeployNonce": None}),
        NATIVE,
        [("job.savepointRedeployNonce", 3, None, IGNORE)],
    ),
    # UPGRADE
    (
        "jar-uri",
        spec(),
        spec(job={"jarURI": "local:///opt/flink/usrlib/other.jar"}),
        NATIVE,
        [
            (
                "job.jarURI",
                "local:///opt/flink/examples/streaming/StateMachineExample.jar",
                "local:///opt/flink/usrlib/other.jar",
                UPGRADE,
            )
        ],
    ),
    (
        "args",
        spec(job={"args": ["--a"]}),
        spec(job={"args": ["--a", "--b"]}),
        NATIVE,
        [("job.args", ["--a"], ["--a", "--b"], UPGRADE)],
    ),
    (
        "entry-class",
        spec(),
        spec(job={"entryClass": "org.example.Main"}),
        NATIVE,
        [("job.entryClass", None, "org.example.Main", UPGRADE)],
    ),
    (
        "job-state",
        spec(),
        spec(job={"state": "suspended"}),
        NATIVE,
        [("job.state", "running", "suspended", UPGRADE)],
    ),
    (
        "parallelism-native",
        spec(),
        spec(job={"parallelism": 4}),
        NATIVE,
        [("job.parallelism", 2, 4, UPGRADE)],
    ),
    (
        "tm-replicas-native",
        spec(taskManager={"replicas": 1}),
        spec(taskManager={"replicas": 2}),
        NATIVE,
        [("taskManager.replicas", 1, 2, UPGRADE)],
    ),
    (
        "image",
        spec(),
        spec(image="flink:2.3"),
        NATIVE,
        [("image", "flink:2.2", "flink:2.3", UPGRADE)],
    ),
    (
        "flink-version",
        spec(),
        spec(flinkVersion="v2_3"),
        NATIVE,
        [("flinkVersion", "v2_2", "v2_3", UPGRADE)],
    ),
    (
        "pod-template",
        spec(),
        spec(
            podTemplate={"spec": {"containers": [{"name": "flink-main-container"}, {"name": "x"}]}}
        ),
        NATIVE,
        [
            (
                "podTemplate.spec.containers",
                [{"name": "flink-main-container"}],
                [{"name": "flink-main-container"}, {"name": "x"}],
                UPGRADE,
            )
        ],
    ),
    (
        "jm-resource-memory",
        spec(),
        spec(jobManager={"resource": {"memory": "4096m", "cpu": 1}}),
        NATIVE,
        [("jobManager.resource.memory", "2048m", "4096m", UPGRADE)],
    ),
    (
        "tm-resources-requests-memory",
        spec(),
        spec(taskManager={"resources": {"requests": {"memory": "4Gi", "cpu": "1"}}}),
        NATIVE,
        [("taskManager.resources.requests.memory", "2048m", "4Gi", UPGRADE)],
    ),
    (
        "config-other-key",
        spec(),
        spec(flinkConfiguration={"state.backend.type": "rocksdb"}),
        NATIVE,
        [("flinkConfiguration.state.backend.type", None, "rocksdb", UPGRADE)],
    ),
    (
        "config-key-removed",
        spec(),
        spec(flinkConfiguration=None),
        NATIVE,
        [("flinkConfiguration.taskmanager.numberOfTaskSlots", "2", None, UPGRADE)],
    ),
    (
        "restart-nonce-first-value",
        spec(),
        spec(restartNonce=1),
        NATIVE,
        [("restartNonce", None, 1, UPGRADE)],
    ),
    (
        "restart-nonce-new-value",
        spec(restartNonce=1),
        spec(restartNonce=2),
        NATIVE,
        [("restartNonce", 1, 2, UPGRADE)],
    ),
    (
        "service-account",
        spec(),
        spec(serviceAccount="other"),
        NATIVE,
        [("serviceAccount", "flink", "other", UPGRADE)],
    ),
    # SCALE
    (
        "parallelism-standalone",
        spec(),
        spec(job={"parallelism": 4}),
        STANDALONE,
        [("job.parallelism", 2, 4, SCALE)],
    ),
    (
        "tm-replicas-standalone",
        spec(taskManager={"replicas": 1}),
        spec(taskManager={"replicas": 3}),
        STANDALONE,
        [("taskManager.replicas", 1, 3, SCALE)],
    ),
    (
        "vertex-parallelism-overrides-native",
        spec(),
        spec(flinkConfiguration={"pipeline.jobvertex-parallelism-overrides": "v1:2"}),
        NATIVE,
        [("flinkConfiguration.pipeline.jobvertex-parallelism-overrides", None, "v1:2", SCALE)],
    ),
    (
        "vertex-parallelism-overrides-standalone",
        spec(),
        spec(flinkConfiguration={"pipeline.jobvertex-parallelism-overrides": "v1:2"}),
        STANDALONE,
        [("flinkConfiguration.pipeline.jobvertex-parallelism-overrides", None, "v1:2", UPGRADE)],
    ),
    # SAVEPOINT_REDEPLOY
    (
        "savepoint-redeploy-nonce-first-value",
        spec(),
        spec(job={"savepointRedeployNonce": 1}),
        NATIVE,
        [("job.savepointRedeployNonce", None, 1, REDEPLOY)],
    ),
    (
        "savepoint-redeploy-nonce-new-value",
        spec(job={"savepointRedeployNonce": 1}),
        spec(job={"savepointRedeployNonce": 2}),
        NATIVE,
        [("job.savepointRedeployNonce", 1, 2, REDEPLOY)],
    ),
    # no change
    ("identical", spec(), spec(), NATIVE, []),
    (
        "nested-and-flat-config-equal",
        spec(flinkConfiguration={"state.savepoints.dir": "file:///sp", "a.b.c": True}),
        spec(
            flinkConfiguration={"state": {"savepoints": {"dir": "file:///sp"}}, "a": {"b.c": True}}
        ),
        NATIVE,
        [],
    ),
    (
        "config-values-compared-as-strings",
        spec(flinkConfiguration={"taskmanager.numberOfTaskSlots": 2, "x.enabled": True}),
        spec(flinkConfiguration={"taskmanager.numberOfTaskSlots": "2", "x.enabled": "true"}),
        NATIVE,
        [],
    ),
    (
        "defaults-written-out-are-no-change",
        FlinkDeploymentSpec.model_validate({"job": {"jarURI": "local:///a.jar"}}),
        FlinkDeploymentSpec.model_validate(
            {
                "job": {
                    "jarURI": "local:///a.jar",
                    "state": "running",
                    "upgradeMode": "stateless",
                    "args": [],
                }
            }
        ),
        NATIVE,
        [],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "mode", "expected"),
    [pytest.param(old, new, mode, expected, id=id_) for id_, old, new, mode, expected in CASES],
)
def test_field_changes(
    old: FlinkDeploymentSpec,
    new: FlinkDeploymentSpec,
    mode: DeploymentMode,
    expected: list[tuple[str, Any, Any, DiffType]],
) -> None:
    diff = diff_specs(old, new, mode)

    assert [(c.path, c.old, c.new, c.type) for c in diff.changes] == expected
    assert diff.type is max((e[3] for e in expected), default=IGNORE)


def test_mode_defaults_to_native() -> None:
    diff = diff_specs(spec(), spec(job={"parallelism": 4}))

    assert diff.type is UPGRADE


@pytest.mark.parametrize(
    ("new", "mode", "expected"),
    [
        pytest.param(
            spec(job={"upgradeMode": "savepoint", "parallelism": 4}),
            STANDALONE,
            SCALE,
            id="ignore-and-scale-is-scale",
        ),
        pytest.param(
            spec(job={"upgradeMode": "savepoint", "parallelism": 4}, image="flink:2.3"),
            STANDALONE,
            UPGRADE,
            id="scale-and-upgrade-is-upgrade",
        ),
        pytest.param(
            spec(job={"savepointRedeployNonce": 1, "parallelism": 4}, image="flink:2.3"),
            NATIVE,
            REDEPLOY,
            id="upgrade-and-redeploy-is-redeploy",
        ),
        pytest.param(
            spec(
                job={"upgradeMode": "last-state", "savepointTriggerNonce": 5},
                flinkConfiguration={"job.autoscaler.enabled": "true"},
            ),
            NATIVE,
            IGNORE,
            id="only-ignored-is-ignore",
        ),
    ],
)
def test_aggregate_is_the_max(
    new: FlinkDeploymentSpec, mode: DeploymentMode, expected: DiffType
) -> None:
    assert diff_specs(spec(), new, mode).type is expected


def test_diff_type_order() -> None:
    assert IGNORE < SCALE < UPGRADE < REDEPLOY
    assert SpecDiff(()).type is IGNORE


def test_session_job_specs() -> None:
    old = FlinkSessionJobSpec.model_validate(
        {"deploymentName": "session", "job": {"jarURI": "https://h/a.jar", "parallelism": 1}}
    )
    new = FlinkSessionJobSpec.model_validate(
        {
            "deploymentName": "session",
            "job": {"jarURI": "https://h/b.jar", "parallelism": 1, "upgradeMode": "savepoint"},
        }
    )

    diff = diff_specs(old, new)

    assert [(c.path, c.type) for c in diff.changes] == [
        ("job.jarURI", UPGRADE),
        ("job.upgradeMode", IGNORE),
    ]
    assert diff.describe("FlinkSessionJob") == (
        "Diff: FlinkSessionJobSpec[job.jarURI : https://h/a.jar -> https://h/b.jar]"
    )


class TestDescribe:
    def test_one_change(self) -> None:
        diff = diff_specs(spec(), spec(job={"parallelism": 4}))

        assert (
            diff.describe("FlinkDeployment")
            == "Diff: FlinkDeploymentSpec[job.parallelism : 2 -> 4]"
        )

    def test_ignored_changes_are_left_out_when_others_exist(self) -> None:
        new = spec(
            job={"parallelism": 4, "upgradeMode": "savepoint"},
            image="flink:2.3",
            flinkConfiguration={"job.autoscaler.enabled": "true", "state.backend.type": "rocksdb"},
        )

        text = diff_specs(spec(), new).describe("FlinkDeployment")

        assert text == (
            "Diff: FlinkDeploymentSpec[image : flink:2.2 -> flink:2.3, job.parallelism : 2 -> 4, "
            "flinkConfiguration.state.backend.type : null -> rocksdb]"
        )

    def test_only_ignored_changes_are_all_shown(self) -> None:
        new = spec(job={"upgradeMode": "savepoint", "savepointTriggerNonce": 1})

        text = diff_specs(spec(), new).describe("FlinkDeployment")

        assert text == (
            "Diff: FlinkDeploymentSpec[job.savepointTriggerNonce : null -> 1, "
            "job.upgradeMode : stateless -> savepoint]"
        )

    def test_null_is_spelled_null(self) -> None:
        text = diff_specs(spec(restartNonce=4), spec(restartNonce=None)).describe("FlinkDeployment")

        assert text == "Diff: FlinkDeploymentSpec[restartNonce : 4 -> null]"

    def test_no_changes(self) -> None:
        assert (
            diff_specs(spec(), spec()).describe("FlinkDeployment") == "Diff: FlinkDeploymentSpec[]"
        )

    def test_hand_built_diff(self) -> None:
        diff = SpecDiff(
            (
                FieldChange("job.parallelism", 1, 2, SCALE),
                FieldChange("taskManager.replicas", None, 2, SCALE),
            )
        )

        assert diff.type is SCALE
        assert diff.describe("FlinkDeployment") == (
            "Diff: FlinkDeploymentSpec[job.parallelism : 1 -> 2, taskManager.replicas : null -> 2]"
        )
