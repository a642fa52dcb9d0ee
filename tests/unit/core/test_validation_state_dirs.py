"""The local runtime refuses checkpoint/savepoint directories off file://.

The Flink wheels carry no s3/hdfs filesystem plugin, so such a directory would
only fail inside Flink, later and less clearly. Kubernetes images may carry
the plugins: there the rule does not apply.
"""

from __future__ import annotations

from typing import Any

import pytest

from scurry.config.defaults import profile_defaults
from scurry.core.validation import (
    CHECKPOINT_DIR_KEYS,
    SAVEPOINT_DIR_KEYS,
    ValidationContext,
    validate_deployment,
    validate_local_state_dirs,
    validate_session_job,
)
from scurry.models.resources import FlinkDeployment, FlinkSessionJob

LOCAL = ValidationContext(local=True)
KUBERNETES = ValidationContext(local=False)
SPEC: dict[str, Any] = {
    "flinkVersion": "v2_2",
    "serviceAccount": "flink",
    "jobManager": {"resource": {"memory": "2048m", "cpu": 1}},
    "taskManager": {"resource": {"memory": "2048m", "cpu": 1}},
}
JOB = {"jarURI": "local:///opt/flink/examples/app.jar", "parallelism": 1}


def message(kind: str, key: str, value: str, scheme: str) -> str:
    return (
        f"{kind} directory[{key}] {value}: the local runtime keeps state on file:// only "
        f"(the Flink wheels carry no {scheme} filesystem plugin)"
    )


def deployment(job: dict[str, Any] | None = JOB) -> FlinkDeployment:
    spec = {**SPEC, **({"job": job} if job is not None else {})}
    return FlinkDeployment.model_validate({"metadata": {"name": "app"}, "spec": spec})


@pytest.mark.parametrize("key", CHECKPOINT_DIR_KEYS)
@pytest.mark.parametrize("value", ["s3://b/ckpt", "hdfs://nn:8020/ckpt", "s3a://b/ckpt"])
def test_checkpoint_dir_off_file_is_refused(key: str, value: str) -> None:
    scheme = value.split(":", 1)[0]
    assert validate_local_state_dirs({key: value}) == message("Checkpoint", key, value, scheme)


@pytest.mark.parametrize("key", SAVEPOINT_DIR_KEYS)
def test_savepoint_dir_off_file_is_refused(key: str) -> None:
    value = "s3://b/savepoints"
    assert validate_local_state_dirs({key: value}) == message("Savepoint", key, value, "s3")


@pytest.mark.parametrize("value", ["file:///tmp/ckpt", "/tmp/ckpt", "FILE:///tmp/ckpt", "", "  "])
def test_file_dirs_and_unset_are_fine(value: str) -> None:
    config = dict.fromkeys((*CHECKPOINT_DIR_KEYS, *SAVEPOINT_DIR_KEYS), value)
    assert validate_local_state_dirs(config) is None


def test_the_exact_message() -> None:
    config = {"execution.checkpointing.dir": "s3://b/ckpt"}
    assert validate_local_state_dirs(config) == (
        "Checkpoint directory[execution.checkpointing.dir] s3://b/ckpt: the local runtime keeps "
        "state on file:// only (the Flink wheels carry no s3 filesystem plugin)"
    )


def test_an_alias_is_caught_even_beside_a_file_default() -> None:
    config = {
        "execution.checkpointing.dir": "file:///home/ckpt",  # the runtime's default
        "state.checkpoints.dir": "s3://b/ckpt",  # what the manifest set
    }
    expected = message("Checkpoint", "state.checkpoints.dir", "s3://b/ckpt", "s3")
    assert validate_local_state_dirs(config) == expected


def test_deployment_on_the_local_runtime() -> None:
    config = {**profile_defaults("local"), "execution.checkpointing.savepoint-dir": "s3://b/sp"}
    expected = message("Savepoint", "execution.checkpointing.savepoint-dir", "s3://b/sp", "s3")
    assert validate_deployment(deployment(), config, None, LOCAL) == expected
    assert validate_deployment(deployment(job=None), config, None, LOCAL) == expected  # session


def test_deployment_on_kubernetes_may_use_s3() -> None:
    config = {**profile_defaults("kubernetes"), "execution.checkpointing.dir": "s3://b/ckpt"}
    assert validate_deployment(deployment(), config, None, KUBERNETES) is None


def test_config_rules_come_first_then_state_dirs_then_the_job() -> None:
    config = {
        **profile_defaults("local"),
        "kubernetes.namespace": "x",
        "execution.checkpointing.dir": "s3://b/ckpt",
    }
    assert validate_deployment(deployment(), config, None, LOCAL) == (
        "Forbidden Flink config key: kubernetes.namespace"
    )
    del config["kubernetes.namespace"]
    broken_job = {**JOB, "parallelism": 0}
    expected = message("Checkpoint", "execution.checkpointing.dir", "s3://b/ckpt", "s3")
    assert validate_deployment(deployment(broken_job), config, None, LOCAL) == expected


def test_session_job_on_the_local_runtime() -> None:
    session = deployment(job=None)
    job = FlinkSessionJob.model_validate(
        {"metadata": {"name": "sj"}, "spec": {"deploymentName": "app", "job": JOB}}
    )
    config = {**profile_defaults("local"), "state.savepoints.dir": "hdfs://nn/sp"}
    expected = message("Savepoint", "state.savepoints.dir", "hdfs://nn/sp", "hdfs")
    assert validate_session_job(job, session, config, None, LOCAL) == expected
    assert validate_session_job(job, session, config, None, KUBERNETES) is None
