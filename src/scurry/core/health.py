"""The cluster health check (FKO's ClusterHealthEvaluator), off by default.

Two signals of a job that runs but does not make progress: too many restarts
within a window, and no completed checkpoint for longer than a window. The
evaluation state lives in `status.clusterInfo["ClusterHealthInfo"]` as JSON,
so it survives control-plane restarts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from scurry.config.flinkconf import duration_option, is_true

ENABLED = "kubernetes.operator.cluster.health-check.enabled"
RESTARTS_THRESHOLD = "kubernetes.operator.cluster.health-check.restarts.threshold"
RESTARTS_WINDOW = "kubernetes.operator.cluster.health-check.restarts.window"
CHECKPOINTS_ENABLED = "kubernetes.operator.cluster.health-check.checkpoint-progress.enabled"
CHECKPOINTS_WINDOW = "kubernetes.operator.cluster.health-check.checkpoint-progress.window"
CHECKPOINT_INTERVAL = "execution.checkpointing.interval"
CHECKPOINT_TIMEOUT = "execution.checkpointing.timeout"
TOLERABLE_FAILURES = "execution.checkpointing.tolerable-failed-checkpoints"
INFO_KEY = "ClusterHealthInfo"


@dataclass(frozen=True)
class HealthSample:
    """What Flink reports now: restarts so far and completed checkpoints so far."""

    num_restarts: int
    completed_checkpoints: int


@dataclass
class HealthInfo:
    timeStamp: int = 0
    numRestarts: int = 0
    numRestartsEvaluationTimeStamp: int = 0
    numCompletedCheckpoints: int = 0
    numCompletedCheckpointsIncreasedTimeStamp: int = 0
    healthy: bool = True

    @classmethod
    def parse(cls, text: str | None) -> HealthInfo | None:
        if not text:
            return None
        try:
            return cls(**{k: v for k, v in json.loads(text).items() if k in cls.__annotations__})
        except (ValueError, TypeError):
            return None

    def dump(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))


def enabled(config: Mapping[str, str]) -> bool:
    return is_true(config, ENABLED)


def evaluate(
    previous: HealthInfo | None, sample: HealthSample, now_ms: int, config: Mapping[str, str]
) -> tuple[HealthInfo, str | None]:
    """The new evaluation state, and why the job is unhealthy (None when healthy)."""
    info = HealthInfo(
        timeStamp=now_ms,
        numRestarts=sample.num_restarts,
        numRestartsEvaluationTimeStamp=now_ms,
        numCompletedCheckpoints=sample.completed_checkpoints,
        numCompletedCheckpointsIncreasedTimeStamp=now_ms,
    )
    if previous is None or sample.num_restarts < previous.numRestarts:
        return info, None  # a first look, or a new job: start counting now
    reason = _restarts(previous, sample, now_ms, config, info) or _checkpoints(
        previous, sample, now_ms, config, info
    )
    info.healthy = reason is None
    return info, reason


def _restarts(
    previous: HealthInfo,
    sample: HealthSample,
    now_ms: int,
    config: Mapping[str, str],
    info: HealthInfo,
) -> str | None:
    window = duration_option(config, RESTARTS_WINDOW, 120.0) * 1000
    threshold = int(config.get(RESTARTS_THRESHOLD, "64") or 64)
    elapsed = now_ms - previous.numRestartsEvaluationTimeStamp
    restarts = sample.num_restarts - previous.numRestarts
    if elapsed < window:  # keep the window's start
        info.numRestarts = previous.numRestarts
        info.numRestartsEvaluationTimeStamp = previous.numRestartsEvaluationTimeStamp
    else:
        restarts = int(restarts * window / elapsed) if elapsed > 0 else restarts
    if restarts > threshold:
        return f"Restart count hit threshold: {restarts}"
    return None


def _checkpoints(
    previous: HealthInfo,
    sample: HealthSample,
    now_ms: int,
    config: Mapping[str, str],
    info: HealthInfo,
) -> str | None:
    if sample.completed_checkpoints > previous.numCompletedCheckpoints:
        return None
    info.numCompletedCheckpoints = previous.numCompletedCheckpoints
    info.numCompletedCheckpointsIncreasedTimeStamp = (
        previous.numCompletedCheckpointsIncreasedTimeStamp
    )
    window = _checkpoint_window(config)
    if window is None:
        return None
    if now_ms - previous.numCompletedCheckpointsIncreasedTimeStamp > window * 1000:
        return "Cluster is not able to complete checkpoints"
    return None


def _checkpoint_window(config: Mapping[str, str]) -> float | None:
    """The configured window, else (interval or timeout, the larger) x (tolerable + 2)."""
    if not is_true(config, CHECKPOINTS_ENABLED, True):
        return None
    configured = duration_option(config, CHECKPOINTS_WINDOW, 0.0)
    if configured > 0:
        return configured
    interval = duration_option(config, CHECKPOINT_INTERVAL, 0.0)
    if interval <= 0:
        return None  # checkpointing is off: no progress to expect
    timeout = duration_option(config, CHECKPOINT_TIMEOUT, 600.0)
    tolerable = int(config.get(TOLERABLE_FAILURES, "0") or 0)
    return max(interval, timeout) * (tolerable + 2)
