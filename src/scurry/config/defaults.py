"""Default Flink and operator configuration scurry applies before a resource's own.

The order of an effective configuration is: these defaults, then the
operator-wide defaults of the installation, then the resource's
`flinkConfiguration`, then what its resources imply (memory, parallelism).
"""

from __future__ import annotations

# What every scurry-managed cluster gets, whatever the runtime (FKO sets the same).
COMMON_DEFAULTS: dict[str, str] = {
    "web.cancel.enable": "false",
    "execution.shutdown-on-application-finish": "false",
    "execution.submit-failed-job-on-application-error": "true",
    "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
    # Two retained checkpoints: when Flink is deleting the older one, the newer
    # one is whole, so a restore never depends on a checkpoint in deletion.
    "execution.checkpointing.num-retained": "2",
}

# The local runtime runs on one machine: shorter reschedules, local artifact
# schemes and loopback hosts allowed, and memory defaults when a manifest has none.
LOCAL_OPERATOR_DEFAULTS: dict[str, str] = {
    # The runtime wakes the controller when a process, TaskManager or job changes, so the
    # periodic reconcile is a safety net, not the way changes are seen.
    "kubernetes.operator.reconcile.interval": "30 s",
    "kubernetes.operator.observer.progress-check.interval": "2 s",
    "kubernetes.operator.observer.rest-ready.delay": "1 s",
    "kubernetes.operator.user.artifacts.allowed-schemes": "local,file,http,https,s3",
    "kubernetes.operator.user.artifacts.disallow-restricted-hosts": "false",
    "jobmanager.memory.process.size": "1024m",
    "taskmanager.memory.process.size": "1280m",
    # Detect a lost TaskManager in seconds, not the 50 s Flink defaults to.
    "heartbeat.interval": "2000",
    "heartbeat.timeout": "10000",
    "restart-strategy.type": "exponential-delay",
}

KUBERNETES_OPERATOR_DEFAULTS: dict[str, str] = {}


def profile_defaults(runtime: str) -> dict[str, str]:
    extra = LOCAL_OPERATOR_DEFAULTS if runtime == "local" else KUBERNETES_OPERATOR_DEFAULTS
    return {**COMMON_DEFAULTS, **extra}
