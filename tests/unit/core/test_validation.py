"""validate_deployment, rule by rule, with FKO's exact messages (fko-semantics.md §d).

Each row patches a valid spec (FKO's basic example with memory given) so that
exactly one rule breaks, and names the effective configuration the validator
sees: the local profile's defaults unless the row says Kubernetes (then the
Kubernetes profile's defaults, which carry no memory, and no local leniency).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from scurry.config.defaults import profile_defaults
from scurry.core.clusterspec import effective_config
from scurry.core.validation import ValidationContext, validate_deployment
from scurry.models.resources import FlinkDeployment
from scurry.models.spec import FlinkDeploymentSpec

LOCAL = profile_defaults("local")
KUBERNETES = profile_defaults("kubernetes")
QUICKSTART = Path(__file__).resolve().parents[3] / "src/scurry/examples/quickstart/deployment.yaml"

# The FKO basic example (examples/basic.yaml), memory given as FKO's docs show it.
BASE: dict[str, Any] = {
    "image": "flink:2.2",
    "flinkVersion": "v2_2",
    "serviceAccount": "flink",
    "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
    "jobManager": {"resource": {"memory": "2048m", "cpu": 1}},
    "taskManager": {"resource": {"memory": "2048m", "cpu": 1}},
    "job": {
        "jarURI": "local:///opt/flink/examples/streaming/StateMachineExample.jar",
        "parallelism": 2,
        "upgradeMode": "stateless",
    },
}
HA = {"high-availability.type": "kubernetes", "high-availability.storageDir": "file:///ha"}
CHECKPOINTS = {"execution.checkpointing.dir": "file:///cp"}
SAVEPOINTS = {"execution.checkpointing.savepoint-dir": "file:///sp"}

MSG_NAME = (
    "The FlinkDeployment name: {} is invalid, must consist of lower case alphanumeric characters "
    "or '-', start with an alphabetic character, and end with an alphanumeric character "
    "(e.g. 'my-name',  or 'abc-123'), and the length must be no more than 45 characters."
)
MSG_VERSION_AFTER_SUSPEND = (
    "Changing flinkVersion after last-state suspend is not allowed. Restore your cluster with "
    "the current flinkVersion and perform the version upgrade afterwards."
)
MSG_HEALTH_CHECK = (
    "Deployment recovery (kubernetes.operator.jm-deployment-recovery.enabled) must be enabled "
    "for job health check (kubernetes.operator.cluster.health-check.enabled) support."
)
MSG_CHECKPOINT_DIR = (
    "Checkpoint directory[execution.checkpointing.dir] must be defined for last-state and "
    "savepoint upgrade modes"
)
SP_KEY = "execution.checkpointing.savepoint-dir"
MSG_SAVEPOINT_UPGRADE = (
    f"Job could not be upgraded with savepoint while config key[{SP_KEY}] is not set"
)
MSG_SAVEPOINT_TRIGGER = (
    "Savepoint could not be manually triggered for the running job while config "
    f"key[{SP_KEY}] is not set"
)
MSG_PERIODIC = f"Periodic savepoints cannot be enabled when config key[{SP_KEY}] is not set"
MSG_MAX_AGE = (
    f"In order to use max-checkpoint age functionality config key[{SP_KEY}] must be set to allow "
    "triggering savepoint upgrades."
)
MSG_JM_MEMORY = (
    "JobManager resource memory must be defined using `spec.jobManager.resource.memory` or "
    "`spec.jobManager.resources.requests.memory`"
)
MSG_TM_MEMORY = (
    "TaskManager resource memory must be defined using `spec.taskManager.resource.memory` or "
    "`spec.taskManager.resources.requests.memory`"
)
MSG_SERVICE_ACCOUNT = (
    "spec.serviceAccount must be defined. If you use helm, its value should be the same with the "
    "name of jobServiceAccount."
)
MSG_SCHEME = (
    "jarURI scheme '{}' is not in the allowlist {}. Configure "
    "'kubernetes.operator.user.artifacts.allowed-schemes' to extend the allowlist."
)


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """`base` with `patch` applied recursively; a None in `patch` removes the key."""
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@dataclass(frozen=True)
class Case:
    id: str
    expected: str | None
    spec: dict[str, Any] = field(default_factory=dict)  # patch on BASE
    config: dict[str, str] = field(default_factory=dict)  # on top of the profile defaults
    name: str = "basic-example"
    last: dict[str, Any] | None = None  # patch on BASE: the last reconciled spec ({} = BASE)
    kubernetes: bool = False


def last_state(**job: Any) -> dict[str, Any]:
    return {"job": {"upgradeMode": "last-state", **job}}


CASES = [
    # 1. name
    Case("name-valid-45-chars", None, name="a" * 45),
    Case("name-46-chars", MSG_NAME.format("a" * 46), name="a" * 46),
    Case("name-uppercase", MSG_NAME.format("Basic-example"), name="Basic-example"),
    Case("name-leading-digit", MSG_NAME.format("1basic"), name="1basic"),
    Case("name-leading-dash", MSG_NAME.format("-basic"), name="-basic"),
    Case("name-trailing-dash", MSG_NAME.format("basic-"), name="basic-"),
    Case("name-with-dot", MSG_NAME.format("basic.example"), name="basic.example"),
    Case("name-single-letter", None, name="a"),
    # 2. flinkVersion
    Case("flink-version-null", "Flink Version must be defined.", spec={"flinkVersion": None}),
    *(
        Case(
            f"flink-version-{v}-unsupported",
            f"Flink version {v} is not supported by this operator version",
            spec={"flinkVersion": v},
        )
        for v in ("v1_13", "v1_14")
    ),
    Case(
        "flink-version-change-after-last-state-suspend",
        MSG_VERSION_AFTER_SUSPEND,
        spec={"flinkVersion": "v2_2", **last_state()},
        config={**CHECKPOINTS, **SAVEPOINTS},
        last={"flinkVersion": "v1_20", **last_state(state="suspended")},
    ),
    Case(
        "flink-version-change-after-last-state-suspend-to-savepoint-mode",
        MSG_VERSION_AFTER_SUSPEND,
        spec={"flinkVersion": "v2_2", "job": {"upgradeMode": "savepoint"}},
        config={**CHECKPOINTS, **SAVEPOINTS},
        last={"flinkVersion": "v1_20", **last_state(state="suspended")},
    ),
    Case(
        "flink-version-change-after-last-state-suspend-ok-when-stateless",
        None,
        spec={"flinkVersion": "v2_2"},
        last={"flinkVersion": "v1_20", **last_state(state="suspended")},
    ),
    Case(
        "flink-version-change-while-running-ok",
        None,
        spec={"flinkVersion": "v2_2", **last_state()},
        config={**CHECKPOINTS, **SAVEPOINTS},
        last={"flinkVersion": "v1_20", **last_state(state="running")},
    ),
    Case(
        "flink-version-change-after-savepoint-suspend-ok",
        None,
        spec={"flinkVersion": "v2_2", "job": {"upgradeMode": "savepoint"}},
        config={**CHECKPOINTS, **SAVEPOINTS},
        last={"flinkVersion": "v1_20", "job": {"upgradeMode": "savepoint", "state": "suspended"}},
    ),
    # 3. configuration
    *(
        Case(f"forbidden-key-{key}", f"Forbidden Flink config key: {key}", config={key: "x"})
        for key in ("kubernetes.namespace", "kubernetes.cluster-id", "high-availability.cluster-id")
    ),
    Case(
        "prometheus-reporter-port-unreadable",
        "metrics.reporter.prom.port: '92x' is not a port, a range like 9250-9260 or a list of them",
        config={
            "metrics.reporter.prom.factory.class": (
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
            ),
            "metrics.reporter.prom.port": "92x",
        },
    ),
    Case(
        "prometheus-reporter-port-range-ok",
        None,
        config={
            "metrics.reporter.prom.factory.class": (
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
            ),
            "metrics.reporter.prom.port": "9250-9260,9300",
        },
    ),
    Case(
        "other-reporters-ports-not-ours-to-read",
        None,
        config={"metrics.reporter.x.factory.class": "a.B", "metrics.reporter.x.port": "?"},
    ),
    Case(
        "rollback-without-ha",
        "HA must be enabled for rollback support.",
        config={"kubernetes.operator.deployment.rollback.enabled": "true"},
        kubernetes=True,
    ),
    Case(
        "rollback-local-uses-checkpoint-tracking",
        None,
        config={"kubernetes.operator.deployment.rollback.enabled": "true"},
    ),
    Case(
        "rollback-with-ha-type-none",
        "HA must be enabled for rollback support.",
        config={
            "kubernetes.operator.deployment.rollback.enabled": "true",
            "high-availability": "NONE",
        },
        kubernetes=True,
    ),
    Case(
        "rollback-with-ha",
        None,
        config={"kubernetes.operator.deployment.rollback.enabled": "true", **HA},
    ),
    Case(
        "rollback-with-legacy-ha-key",
        None,
        config={
            "kubernetes.operator.deployment.rollback.enabled": "true",
            "high-availability": "kubernetes",
        },
    ),
    Case(
        "health-check-without-recovery",
        MSG_HEALTH_CHECK,
        config={
            "kubernetes.operator.cluster.health-check.enabled": "true",
            "kubernetes.operator.jm-deployment-recovery.enabled": "false",
        },
    ),
    Case(
        "health-check-with-default-recovery",
        None,
        config={"kubernetes.operator.cluster.health-check.enabled": "true"},
    ),
    # 4. ingress
    Case(
        "ingress-without-template",
        "Ingress template must be defined",
        spec={"ingress": {"className": "nginx"}},
    ),
    Case("ingress-with-template", None, spec={"ingress": {"template": "{{name}}.example.com"}}),
    # 5. logConfiguration
    Case(
        "log-config-bad-key",
        "Invalid log config key: log4j.properties. Allowed keys are "
        "[log4j-console.properties, logback-console.xml]",
        spec={"logConfiguration": {"log4j.properties": "rootLogger.level = INFO"}},
    ),
    Case(
        "log-config-allowed-keys",
        None,
        spec={"logConfiguration": {"log4j-console.properties": "a", "logback-console.xml": "b"}},
    ),
    # 6. job: state directories (the effective config below has none unless given)
    Case("last-state-without-checkpoint-dir", MSG_CHECKPOINT_DIR, spec=last_state()),
    Case(
        "savepoint-mode-without-checkpoint-dir",
        MSG_CHECKPOINT_DIR,
        spec={"job": {"upgradeMode": "savepoint"}},
        config=SAVEPOINTS,
    ),
    Case(
        "last-state-blank-checkpoint-dir",
        MSG_CHECKPOINT_DIR,
        spec=last_state(),
        config={"execution.checkpointing.dir": "  "},
    ),
    Case("last-state-with-checkpoint-dir", None, spec=last_state(), config=CHECKPOINTS),
    Case(
        "last-state-with-deprecated-checkpoint-key",
        None,
        spec=last_state(),
        config={"state.checkpoints.dir": "file:///cp"},
    ),
    Case(
        "savepoint-mode-without-savepoint-dir",
        MSG_SAVEPOINT_UPGRADE,
        spec={"job": {"upgradeMode": "savepoint"}},
        config=CHECKPOINTS,
    ),
    *(
        Case(
            f"savepoint-mode-with-{key}",
            None,
            spec={"job": {"upgradeMode": "savepoint"}},
            config={**CHECKPOINTS, key: "file:///sp"},
        )
        for key in (SP_KEY, "state.savepoints.dir", "savepoints.state.backend.fs.dir")
    ),
    Case(
        "savepoint-trigger-nonce-without-savepoint-dir",
        MSG_SAVEPOINT_TRIGGER,
        spec={"job": {"savepointTriggerNonce": 1}},
    ),
    Case(
        "periodic-savepoint-without-savepoint-dir",
        MSG_PERIODIC,
        config={"kubernetes.operator.periodic.savepoint.interval": "1h"},
    ),
    Case(
        "max-checkpoint-age-without-savepoint-dir",
        MSG_MAX_AGE,
        config={"kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age": "5 min"},
    ),
    Case(
        "max-checkpoint-age-with-savepoint-dir",
        None,
        config={
            "kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age": "5 min",
            **SAVEPOINTS,
        },
    ),
    # 6. job: replicas and parallelism
    Case(
        "job-tm-replicas-0",
        "TaskManager replicas must be larger than 0",
        spec={"taskManager": {"replicas": 0}},
    ),
    Case(
        "job-tm-replicas-0-wins-over-parallelism-0",
        "TaskManager replicas must be larger than 0",
        spec={"taskManager": {"replicas": 0}, "job": {"parallelism": 0}},
    ),
    Case(
        "job-tm-replicas-set-parallelism-0-ok",
        None,
        spec={"taskManager": {"replicas": 1}, "job": {"parallelism": 0}},
    ),
    Case(
        "job-parallelism-0",
        "Job parallelism must be larger than 0",
        spec={"job": {"parallelism": 0}},
    ),
    Case(
        "job-parallelism-negative",
        "Job parallelism must be larger than 0",
        spec={"job": {"parallelism": -1}},
    ),
    # 7. JobManager
    Case(
        "jm-memory-missing",
        MSG_JM_MEMORY,
        spec={"jobManager": {"resource": {"memory": None}}},
        kubernetes=True,
    ),
    Case("jm-spec-missing", MSG_JM_MEMORY, spec={"jobManager": None}, kubernetes=True),
    Case(
        "jm-memory-from-flink-config",
        None,
        spec={"jobManager": None},
        config={"jobmanager.memory.process.size": "1600m"},
        kubernetes=True,
    ),
    Case(
        "jm-memory-from-resources-requests",
        None,
        spec={"jobManager": {"resource": None, "resources": {"requests": {"memory": "2Gi"}}}},
        kubernetes=True,
    ),
    Case(
        "jm-memory-from-resources-limits",
        None,
        spec={"jobManager": {"resource": None, "resources": {"limits": {"memory": "2Gi"}}}},
        kubernetes=True,
    ),
    Case(
        "jm-memory-parse-error",
        "JobManager resource memory parse error: Could not parse value 'lots' as a memory size",
        spec={"jobManager": {"resource": {"memory": "lots"}}},
    ),
    Case(
        "jm-ephemeral-storage-parse-error",
        "JobManager resource ephemeral storage parse error: "
        "Could not parse value 'much' as a memory size",
        spec={"jobManager": {"resource": {"ephemeralStorage": "much"}}},
    ),
    Case(
        "jm-memory-and-storage-parse-errors-concatenated",
        "JobManager resource memory parse error: Could not parse value 'lots' as a memory size"
        "JobManager resource ephemeral storage parse error: "
        "Could not parse value 'much' as a memory size",
        spec={"jobManager": {"resource": {"memory": "lots", "ephemeralStorage": "much"}}},
    ),
    Case(
        "jm-requests-memory-parse-error",
        "JobManager resource requirements request memory parse error: "
        "Could not parse value 'lots' as a memory size",
        spec={"jobManager": {"resources": {"requests": {"memory": "lots"}}}},
    ),
    Case(
        "jm-requests-cpu-parse-error",
        "JobManager resource requirements request cpu parse error: "
        "could not convert string to float: 'one'",
        spec={"jobManager": {"resources": {"requests": {"cpu": "one"}}}},
    ),
    Case(
        "jm-requests-cpu-zero",
        "JobManager resource requirements request cpu must be positive: 0",
        spec={"jobManager": {"resources": {"requests": {"cpu": 0}}}},
    ),
    Case(
        "jm-requests-cpu-negative-millicores",
        "JobManager resource requirements request cpu must be positive: -500m",
        spec={"jobManager": {"resources": {"requests": {"cpu": "-500m"}}}},
    ),
    Case(
        "jm-limits-memory-zero",
        "JobManager resource requirements limit memory must be positive: 0",
        spec={"jobManager": {"resources": {"limits": {"memory": 0}}}},
    ),
    Case(
        "jm-requests-memory-negative",
        "JobManager resource requirements request memory must be positive: -1",
        spec={"jobManager": {"resources": {"requests": {"memory": -1}}}},
    ),
    Case(
        "jm-requests-other-resource-negative",
        "JobManager resource requirements request ephemeral-storage must not be negative: -5",
        spec={"jobManager": {"resources": {"requests": {"ephemeral-storage": -5}}}},
    ),
    Case(
        "jm-requests-other-resource-zero-ok",
        None,
        spec={"jobManager": {"resources": {"requests": {"ephemeral-storage": 0}}}},
    ),
    Case(
        "jm-request-exceeds-limit",
        "JobManager resource requirements memory request (4g) must not exceed its limit (2g)",
        spec={
            "jobManager": {"resources": {"requests": {"memory": "4g"}, "limits": {"memory": "2g"}}}
        },
    ),
    Case(
        "jm-request-equals-limit-across-syntaxes",
        None,
        spec={
            "jobManager": {"resources": {"requests": {"memory": "2g"}, "limits": {"memory": "2Gi"}}}
        },
    ),
    Case(
        "jm-requirement-problems-joined",
        "JobManager resource requirements request cpu must be positive: 0; "
        "JobManager resource requirements memory request (4g) must not exceed its limit (2g)",
        spec={
            "jobManager": {
                "resources": {"requests": {"cpu": 0, "memory": "4g"}, "limits": {"memory": "2g"}}
            }
        },
    ),
    Case(
        "jm-replicas-0",
        "JobManager replicas should not be configured less than one.",
        spec={"jobManager": {"replicas": 0}},
    ),
    Case(
        "jm-replicas-2-without-ha",
        "High availability should be enabled when starting standby JobManagers.",
        spec={"jobManager": {"replicas": 2}},
    ),
    Case("jm-replicas-2-with-ha", None, spec={"jobManager": {"replicas": 2}}, config=HA),
    # 8. TaskManager
    Case(
        "tm-memory-missing",
        MSG_TM_MEMORY,
        spec={"taskManager": {"resource": {"memory": None}}},
        kubernetes=True,
    ),
    Case(
        "tm-memory-parse-error",
        "TaskManager resource memory parse error: Could not parse value '2 lots' as a memory size",
        spec={"taskManager": {"resource": {"memory": "2 lots"}}},
    ),
    Case(
        "tm-request-exceeds-limit",
        "TaskManager resource requirements cpu request (2) must not exceed its limit (500m)",
        spec={"taskManager": {"resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "500m"}}}},
    ),
    Case(
        "session-tm-replicas-0",
        "TaskManager replicas should not be configured less than one.",
        spec={"job": None, "taskManager": {"replicas": 0}},
    ),
    # 9. spec change against the last reconciled spec
    Case(
        "switch-session-to-job",
        "Cannot switch from session to job cluster",
        last={"job": None},
    ),
    Case(
        "switch-job-to-session",
        "Cannot switch from job to session cluster",
        spec={"job": None},
        last={},
    ),
    Case(
        "switch-native-to-standalone",
        "Cannot switch from native kubernetes to standalone kubernetes cluster",
        spec={"mode": "standalone"},
        last={"mode": "native"},
    ),
    Case(
        "switch-default-native-to-standalone",
        "Cannot switch from native kubernetes to standalone kubernetes cluster",
        spec={"mode": "standalone"},
        last={},
    ),
    Case(
        "switch-standalone-to-native",
        "Cannot switch from standalone kubernetes to native kubernetes cluster",
        last={"mode": "standalone"},
    ),
    Case("native-default-equals-native", None, spec={"mode": "native"}, last={}),
    Case("no-spec-change", None, last={}),
    Case(
        "savepoint-redeploy-without-initial-path",
        "InitialSavepointPath must not be empty for savepoint redeployment",
        spec={"job": {"savepointRedeployNonce": 2}},
        last={"job": {"savepointRedeployNonce": 1}},
    ),
    Case(
        "savepoint-redeploy-with-blank-initial-path",
        "InitialSavepointPath must not be empty for savepoint redeployment",
        spec={"job": {"savepointRedeployNonce": 1, "initialSavepointPath": "  "}},
        last={},
    ),
    Case(
        "savepoint-redeploy-with-initial-path",
        None,
        spec={"job": {"savepointRedeployNonce": 1, "initialSavepointPath": "file:///sp/1"}},
        last={},
    ),
    Case(
        "savepoint-redeploy-nonce-unchanged",
        None,
        spec={"job": {"savepointRedeployNonce": 1}},
        last={"job": {"savepointRedeployNonce": 1}},
    ),
    # 10. serviceAccount: required on Kubernetes only
    Case(
        "service-account-missing-on-kubernetes",
        MSG_SERVICE_ACCOUNT,
        spec={"serviceAccount": None},
        kubernetes=True,
    ),
    Case("service-account-missing-locally", None, spec={"serviceAccount": None}),
    # jarURI: the local runtime checks it as FKO checks a session job's
    Case(
        "jar-uri-scheme-not-allowed",
        MSG_SCHEME.format("local", "[https]"),
        config={"kubernetes.operator.user.artifacts.allowed-schemes": "https"},
    ),
    Case(
        "jar-uri-scheme-not-in-local-allowlist",
        MSG_SCHEME.format("ftp", "[local, file, http, https, s3]"),
        spec={"job": {"jarURI": "ftp://example.com/job.jar"}},
    ),
    Case(
        "jar-uri-scheme-allowlist-trimmed-and-lowercased",
        None,
        spec={"job": {"jarURI": "HTTPS://example.com/job.jar"}},
        config={"kubernetes.operator.user.artifacts.allowed-schemes": " https , s3 "},
    ),
    Case(
        "jar-uri-http-without-host",
        "jarURI must include a host for http/https schemes",
        spec={"job": {"jarURI": "http:///job.jar"}},
    ),
    Case(
        "jar-uri-without-scheme",
        "jarURI must include a scheme",
        spec={"job": {"jarURI": "/opt/flink/job.jar"}},
    ),
    Case(
        "jar-uri-invalid",
        "jarURI is not a valid URI: Invalid IPv6 URL",
        spec={"job": {"jarURI": "http://[::1/job.jar"}},
    ),
    Case(
        "jar-uri-not-checked-on-kubernetes",
        None,
        spec={"job": {"jarURI": "ftp://example.com/job.jar"}},
        kubernetes=True,
    ),
    Case("jar-uri-absent", None, spec={"job": {"jarURI": None}}),
    # first failing rule wins
    Case(
        "order-name-before-version",
        MSG_NAME.format("Bad"),
        spec={"flinkVersion": None},
        name="Bad",
    ),
    Case(
        "order-config-before-job",
        "Forbidden Flink config key: kubernetes.cluster-id",
        spec={"job": {"parallelism": 0}},
        config={"kubernetes.cluster-id": "x"},
    ),
    Case(
        "order-jm-before-tm",
        "JobManager replicas should not be configured less than one.",
        spec={"jobManager": {"replicas": 0}, "taskManager": {"resource": {"memory": "x"}}},
    ),
    Case(
        "order-spec-change-before-service-account",
        "Cannot switch from job to session cluster",
        spec={"job": None, "serviceAccount": None},
        last={},
        kubernetes=True,
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_validate_deployment(case: Case) -> None:
    resource = FlinkDeployment.model_validate(
        {"metadata": {"name": case.name}, "spec": merge(BASE, case.spec)}
    )
    defaults = KUBERNETES if case.kubernetes else LOCAL
    last = (
        FlinkDeploymentSpec.model_validate(merge(BASE, case.last))
        if case.last is not None
        else None
    )
    context = ValidationContext(local=not case.kubernetes)
    config = {**defaults, **case.config}

    assert validate_deployment(resource, config, last, context) == case.expected


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_local_quickstart_is_valid() -> None:
    doc = yaml.safe_load(QUICKSTART.read_text())
    resource = FlinkDeployment.model_validate(doc)
    config = effective_config(LOCAL, resource.spec)

    assert validate_deployment(resource, config, None, ValidationContext(local=True)) is None


def test_fko_basic_example_is_valid_on_kubernetes() -> None:
    resource = FlinkDeployment.model_validate({"metadata": {"name": "basic-example"}, "spec": BASE})
    config = effective_config(KUBERNETES, resource.spec)

    assert validate_deployment(resource, config, None, ValidationContext(local=False)) is None


def test_memory_from_resources_reaches_the_effective_config() -> None:
    """On Kubernetes (no memory defaults) memory in `resources` satisfies the memory rule."""
    spec = merge(
        BASE,
        {
            "jobManager": {"resource": None, "resources": {"requests": {"memory": "1Gi"}}},
            "taskManager": {"resource": None, "resources": {"limits": {"memory": "2Gi"}}},
        },
    )
    resource = FlinkDeployment.model_validate({"metadata": {"name": "basic-example"}, "spec": spec})
    config = effective_config(KUBERNETES, resource.spec)

    assert config["jobmanager.memory.process.size"] == "1024m"
    assert config["taskmanager.memory.process.size"] == "2048m"
    assert validate_deployment(resource, config, None, ValidationContext(local=False)) is None


@pytest.mark.parametrize(
    ("component", "expected"),
    [
        ("jobManager", "JobManager resource memory parse error: "),
        ("taskManager", "TaskManager resource memory parse error: "),
    ],
)
def test_unparseable_memory_is_a_validation_error_through_the_effective_config(
    component: str, expected: str
) -> None:
    """The admission path (effective config, then validation) reports, not raises."""
    spec = merge(BASE, {component: {"resource": {"memory": "plenty"}}})
    resource = FlinkDeployment.model_validate({"metadata": {"name": "basic-example"}, "spec": spec})
    config = effective_config(KUBERNETES, resource.spec)

    error = validate_deployment(resource, config, None, ValidationContext(local=False))

    assert error == expected + "Could not parse value 'plenty' as a memory size"
