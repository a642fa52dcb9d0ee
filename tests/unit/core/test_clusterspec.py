"""Effective configuration, TaskManager count and parallelism (fko-semantics.md §j)."""

from __future__ import annotations

from typing import Any

import pytest

from scurry.config.defaults import profile_defaults
from scurry.core.clusterspec import (
    build_cluster_spec,
    component_cpu,
    component_memory,
    effective_config,
    job_parallelism,
    parse_cpu,
    slot_capacity,
    slots,
    task_manager_count,
)
from scurry.models.resources import FlinkDeployment
from scurry.models.spec import FlinkDeploymentSpec, JobManagerSpec

JM, TM = "jobmanager.memory.process.size", "taskmanager.memory.process.size"
MIB, GIB = 1 << 20, 1 << 30
JOB = {"jarURI": "local:///opt/flink/examples/streaming/StateMachineExample.jar"}


def spec(**fields: Any) -> FlinkDeploymentSpec:
    return FlinkDeploymentSpec.model_validate(fields)


class TestEffectiveConfig:
    def test_precedence_defaults_then_flink_configuration_then_resources(self) -> None:
        defaults = {"a": "default", "b": "default", JM: "1024m", TM: "1280m"}
        s = spec(
            flinkConfiguration={"b": "spec", JM: "4g", TM: "3g"},
            jobManager={"resource": {"memory": "2048m"}},
        )

        config = effective_config(defaults, s)

        assert config == {"a": "default", "b": "spec", JM: "2048m", TM: "3g"}

    def test_defaults_are_not_modified(self) -> None:
        defaults = {"a": "1"}

        effective_config(defaults, spec(flinkConfiguration={"a": "2"}))

        assert defaults == {"a": "1"}

    def test_nested_flink_configuration_is_flattened(self) -> None:
        s = spec(flinkConfiguration={"state": {"savepoints.dir": "file:///sp"}, "x": {"on": True}})

        assert effective_config({}, s) == {"state.savepoints.dir": "file:///sp", "x.on": "true"}

    def test_local_profile_defaults_apply_when_the_spec_is_silent(self) -> None:
        config = effective_config(profile_defaults("local"), spec())

        assert config[JM] == "1024m"
        assert config[TM] == "1280m"
        assert config["kubernetes.operator.user.artifacts.allowed-schemes"] == (
            "local,file,http,https,s3"
        )

    def test_kubernetes_profile_has_no_memory_defaults(self) -> None:
        config = effective_config(profile_defaults("kubernetes"), spec())

        assert JM not in config
        assert TM not in config
        assert config["web.cancel.enable"] == "false"

    @pytest.mark.parametrize(
        ("component", "expected"),
        [
            pytest.param({"resource": {"memory": "2048m"}}, "2048m", id="resource-flink-syntax"),
            pytest.param({"resource": {"memory": "1g"}}, "1024m", id="resource-1g"),
            pytest.param({"resources": {"requests": {"memory": "2Gi"}}}, "2048m", id="requests-gi"),
            pytest.param({"resources": {"limits": {"memory": "1Gi"}}}, "1024m", id="limits-only"),
            pytest.param(
                {"resources": {"requests": {"memory": "1Gi"}, "limits": {"memory": "2Gi"}}},
                "1024m",
                id="request-over-limit",
            ),
            pytest.param(
                {"resource": {"memory": "4g"}, "resources": {"requests": {"memory": "1Gi"}}},
                "1024m",
                id="resources-over-resource",
            ),
            pytest.param(
                {"resources": {"requests": {"memory": "1.5G"}}}, "1500000000b", id="decimal"
            ),
            pytest.param({"resources": {"requests": {"memory": 1073741824}}}, "1024m", id="int"),
            pytest.param(
                {"resources": {"requests": {"cpu": "1"}}}, "1024m", id="no-memory-keeps-default"
            ),
        ],
    )
    def test_memory(self, component: dict[str, Any], expected: str) -> None:
        config = effective_config({JM: "1024m", TM: "1024m"}, spec(jobManager=component))

        assert config[JM] == expected

    def test_unparseable_memory_is_left_to_validation(self) -> None:
        s = spec(jobManager={"resource": {"memory": "plenty"}})

        assert effective_config({JM: "1024m"}, s)[JM] == "1024m"
        assert JM not in effective_config({}, s)

    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            pytest.param({"job": {**JOB, "parallelism": 3}}, "3", id="job-parallelism"),
            pytest.param(
                {
                    "job": {**JOB, "parallelism": 3},
                    "taskManager": {"replicas": 2},
                    "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "4"},
                },
                "8",
                id="replicas-times-slots",
            ),
            pytest.param(
                {
                    "job": {**JOB, "parallelism": 3},
                    "flinkConfiguration": {"parallelism.default": "9"},
                },
                "3",
                id="job-parallelism-over-config",
            ),
            pytest.param(
                {"job": JOB, "flinkConfiguration": {"parallelism.default": "9"}},
                "9",
                id="config-when-job-has-none",
            ),
            pytest.param({"job": JOB}, "1", id="one-when-nothing-says"),
        ],
    )
    def test_parallelism_default(self, fields: dict[str, Any], expected: str) -> None:
        assert effective_config({}, spec(**fields))["parallelism.default"] == expected

    def test_session_cluster_gets_no_parallelism(self) -> None:
        assert "parallelism.default" not in effective_config({}, spec(taskManager={"replicas": 2}))


@pytest.mark.parametrize(
    ("fields", "config", "tms", "parallelism"),
    [
        pytest.param(
            {"job": {**JOB, "parallelism": 5}},
            {"taskmanager.numberOfTaskSlots": "2"},
            3,
            5,
            id="ceil-5-over-2",
        ),
        pytest.param(
            {"job": {**JOB, "parallelism": 4}},
            {"taskmanager.numberOfTaskSlots": "2"},
            2,
            4,
            id="exact-4-over-2",
        ),
        pytest.param(
            {"job": {**JOB, "parallelism": 1}},
            {"taskmanager.numberOfTaskSlots": "4"},
            1,
            1,
            id="fewer-than-slots",
        ),
        pytest.param({"job": {**JOB, "parallelism": 3}}, {}, 3, 3, id="one-slot-by-default"),
        pytest.param(
            {"job": {**JOB, "parallelism": 7}, "taskManager": {"replicas": 2}},
            {"taskmanager.numberOfTaskSlots": "3"},
            2,
            6,
            id="replicas-win",
        ),
        pytest.param(
            {"job": JOB},
            {"parallelism.default": "4", "taskmanager.numberOfTaskSlots": "2"},
            2,
            4,
            id="config-parallelism",
        ),
        pytest.param(
            {"job": {**JOB, "parallelism": 3}},
            {"taskmanager.numberOfTaskSlots": "x"},
            3,
            3,
            id="bad-slots-is-one",
        ),
        pytest.param(
            {"job": {**JOB, "parallelism": 3}},
            {"taskmanager.numberOfTaskSlots": "0"},
            3,
            3,
            id="zero-slots-is-one",
        ),
        pytest.param({"job": JOB}, {"parallelism.default": "x"}, 1, 1, id="bad-config-parallelism"),
        pytest.param({"job": {**JOB, "parallelism": 0}}, {}, 1, 0, id="at-least-one-tm"),
        pytest.param({}, {"taskmanager.numberOfTaskSlots": "2"}, 1, 1, id="session-one-tm"),
        pytest.param({"taskManager": {"replicas": 3}}, {}, 3, 3, id="session-replicas"),
    ],
)
def test_task_manager_count_and_parallelism(
    fields: dict[str, Any], config: dict[str, str], tms: int, parallelism: int
) -> None:
    s = spec(**fields)

    assert task_manager_count(s, config) == tms
    assert job_parallelism(s, config) == parallelism


OVERRIDES = "pipeline.jobvertex-parallelism-overrides"


@pytest.mark.parametrize(
    ("fields", "overrides", "tms"),
    [
        pytest.param({"job": {**JOB, "parallelism": 2}}, "a:2,b:7", 4, id="ceil-7-over-2"),
        pytest.param({"job": {**JOB, "parallelism": 6}}, "a:1,b:3", 3, id="below-parallelism"),
        pytest.param(
            {"job": {**JOB, "parallelism": 2}, "taskManager": {"replicas": 1}},
            "a:5",
            3,
            id="beyond-replicas",
        ),
        pytest.param(
            {"job": {**JOB, "parallelism": 2}, "taskManager": {"replicas": 5}},
            "a:5",
            5,
            id="within-replicas",
        ),
        pytest.param({"job": {**JOB, "parallelism": 2}}, "a:x,b", 1, id="unreadable-ignored"),
        pytest.param({"taskManager": {"replicas": 1}}, "a:9", 1, id="session-cluster"),
    ],
)
def test_task_managers_follow_the_parallelism_overrides(
    fields: dict[str, Any], overrides: str, tms: int
) -> None:
    s = spec(**fields)
    config = {"taskmanager.numberOfTaskSlots": "2", OVERRIDES: overrides}

    assert task_manager_count(s, config) == tms
    assert slot_capacity(s, config) == 2 * tms
    assert job_parallelism(s, config) == job_parallelism(s, {**config, OVERRIDES: ""})


def test_cluster_spec_has_task_managers_for_the_overrides() -> None:
    resource = FlinkDeployment.model_validate(
        {
            "apiVersion": "flink.apache.org/v1beta1",
            "kind": "FlinkDeployment",
            "metadata": {"name": "scaled", "namespace": "ns", "uid": "u"},
            "spec": {
                "job": {**JOB, "parallelism": 2},
                "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2", OVERRIDES: "a:6"},
            },
        }
    )
    cluster = build_cluster_spec(
        resource, resource.spec, {}, job_id="j", savepoint_path=None, token="t"
    )
    assert cluster.task_manager.replicas == 3
    assert cluster.job is not None
    assert cluster.job.parallelism == 2


@pytest.mark.parametrize(("text", "count"), [("4", 4), ("0", 1), ("-2", 1), ("x", 1)])
def test_slots(text: str, count: int) -> None:
    assert slots({"taskmanager.numberOfTaskSlots": text}) == count
    assert slots({}) == 1


@pytest.mark.parametrize(
    ("value", "cores"), [("500m", 0.5), ("2", 2.0), (" 1.5 ", 1.5), (3, 3.0), (0.25, 0.25)]
)
def test_parse_cpu(value: str | float, cores: float) -> None:
    assert parse_cpu(value) == cores


@pytest.mark.parametrize(
    ("component", "memory", "cpu"),
    [
        pytest.param(None, None, None, id="none"),
        pytest.param({}, None, None, id="empty"),
        pytest.param({"resource": {"memory": "2g", "cpu": 1.5}}, "2g", 1.5, id="resource"),
        pytest.param(
            {
                "resource": {"memory": "2g", "cpu": 1.5},
                "resources": {"requests": {"memory": "1Gi", "cpu": "250m"}},
            },
            "1Gi",
            0.25,
            id="resources-win",
        ),
        pytest.param(
            {"resources": {"limits": {"memory": "3Gi", "cpu": 2}}}, "3Gi", 2.0, id="limits"
        ),
    ],
)
def test_component_memory_and_cpu(
    component: dict[str, Any] | None, memory: str | None, cpu: float | None
) -> None:
    jm = None if component is None else JobManagerSpec.model_validate(component)

    assert component_memory(jm) == memory
    assert component_cpu(jm) == cpu


def test_build_cluster_spec() -> None:
    resource = FlinkDeployment.model_validate(
        {
            "metadata": {"name": "basic", "namespace": "team", "uid": "u-1", "generation": 4},
            "spec": {
                "flinkVersion": "v2_2",
                "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
                "jobManager": {"resources": {"requests": {"memory": "2Gi", "cpu": "500m"}}},
                "taskManager": {"resource": {"memory": "3g", "cpu": 2}},
                "job": {**JOB, "parallelism": 5, "args": ["--x"], "allowNonRestoredState": True},
            },
        }
    )

    cluster = build_cluster_spec(
        resource,
        resource.spec,
        profile_defaults("local"),
        job_id="a" * 32,
        savepoint_path="file:///sp/1",
        token="t-1",
    )

    assert (cluster.ref.namespace, cluster.ref.name, cluster.generation, cluster.token) == (
        "team",
        "basic",
        4,
        "t-1",
    )
    assert cluster.owner.uid == "u-1"
    assert cluster.flink_version == "v2_2"
    assert (cluster.job_manager.memory_bytes, cluster.job_manager.cpu) == (2 * GIB, 0.5)
    assert (cluster.task_manager.memory_bytes, cluster.task_manager.cpu) == (3 * GIB, 2.0)
    assert (cluster.job_manager.replicas, cluster.task_manager.replicas) == (1, 3)
    assert cluster.flink_config["parallelism.default"] == "5"
    assert cluster.flink_config["pipeline.name"] == "basic"
    assert cluster.flink_config[JM] == "2048m"
    assert cluster.flink_config[TM] == "3072m"
    assert cluster.job is not None
    assert (cluster.job.parallelism, cluster.job.args, cluster.job.savepoint_path) == (
        5,
        ("--x",),
        "file:///sp/1",
    )
    assert cluster.job.allow_non_restored_state is True
    assert cluster.mode == "native"


def test_build_cluster_spec_without_job_id_has_no_job() -> None:
    resource = FlinkDeployment.model_validate(
        {
            "metadata": {"name": "s"},
            "spec": {"flinkVersion": "v2_2", "taskManager": {"replicas": 2}},
        }
    )

    cluster = build_cluster_spec(
        resource,
        resource.spec,
        profile_defaults("local"),
        job_id=None,
        savepoint_path=None,
        token="t",
    )

    assert cluster.job is None
    assert cluster.task_manager.replicas == 2
    assert cluster.job_manager.memory_bytes == 1024 * MIB
    assert "parallelism.default" not in cluster.flink_config
