"""Operator options (`kubernetes.operator.*`) read from an effective configuration.

Defaults here are FKO's. The local profile (config/defaults.py) overrides the
ones that assume a cluster, and a resource may override most of them in its
own `flinkConfiguration`, as with FKO.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scurry.config.flinkconf import duration_option, is_true

PREFIX = "kubernetes.operator."
RECONCILE_INTERVAL = PREFIX + "reconcile.interval"
PROGRESS_CHECK_INTERVAL = PREFIX + "observer.progress-check.interval"
REST_READY_DELAY = PREFIX + "observer.rest-ready.delay"
JM_DEPLOYMENT_RECOVERY = PREFIX + "jm-deployment-recovery.enabled"
JOB_RESTART_FAILED = PREFIX + "job.restart.failed"
ROLLBACK_ENABLED = PREFIX + "deployment.rollback.enabled"
HEALTH_CHECK_ENABLED = PREFIX + "cluster.health-check.enabled"
ALLOWED_SCHEMES = PREFIX + "user.artifacts.allowed-schemes"
DISALLOW_RESTRICTED_HOSTS = PREFIX + "user.artifacts.disallow-restricted-hosts"
SAVEPOINT_ON_DELETION = PREFIX + "job.savepoint-on-deletion"
CLEANUP_TIMEOUT = PREFIX + "resource.cleanup.timeout"
BLOCK_ON_SESSION_JOBS = PREFIX + "session.deletion.block-on-session-jobs"
BLOCK_ON_UNMANAGED_JOBS = PREFIX + "session.deletion.block-on-unmanaged-jobs"


@dataclass(frozen=True)
class OperatorOptions:
    reconcile_interval: float
    progress_check_interval: float
    rest_ready_delay: float
    jm_deployment_recovery: bool
    job_restart_failed: bool
    allowed_schemes: tuple[str, ...]
    disallow_restricted_hosts: bool
    cleanup_timeout: float
    block_on_session_jobs: bool
    block_on_unmanaged_jobs: bool

    @classmethod
    def from_config(cls, config: Mapping[str, str]) -> OperatorOptions:
        schemes = config.get(ALLOWED_SCHEMES, "https")
        return cls(
            reconcile_interval=duration_option(config, RECONCILE_INTERVAL, 60.0),
            progress_check_interval=duration_option(config, PROGRESS_CHECK_INTERVAL, 10.0),
            rest_ready_delay=duration_option(config, REST_READY_DELAY, 10.0),
            jm_deployment_recovery=is_true(config, JM_DEPLOYMENT_RECOVERY, True),
            job_restart_failed=is_true(config, JOB_RESTART_FAILED, False),
            allowed_schemes=tuple(s.strip().lower() for s in schemes.split(",") if s.strip()),
            disallow_restricted_hosts=is_true(config, DISALLOW_RESTRICTED_HOSTS, True),
            cleanup_timeout=duration_option(config, CLEANUP_TIMEOUT, 300.0),
            block_on_session_jobs=is_true(config, BLOCK_ON_SESSION_JOBS, True),
            block_on_unmanaged_jobs=is_true(config, BLOCK_ON_UNMANAGED_JOBS, True),
        )
