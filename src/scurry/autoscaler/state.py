"""What the autoscaler remembers between reconciles of one job, as plain JSON-able data.

FKO keeps the same things in a ConfigMap `autoscaler-<name>`: collected metrics,
scaling history, pending scale-downs and the parallelism overrides.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from scurry.autoscaler.samples import Sample


@dataclass(frozen=True)
class ScalingRecord:
    """One vertex rescaled at `time`: from `old` to `new` subtasks, with the true rate
    before and the rate the new parallelism was expected to reach."""

    time: float
    vertex_id: str
    old: int
    new: int
    true_rate: float
    expected_rate: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "vertexId": self.vertex_id,
            "old": self.old,
            "new": self.new,
            "trueRate": _json_float(self.true_rate),
            "expectedRate": _json_float(self.expected_rate),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScalingRecord:
        return cls(
            time=float(data["time"]),
            vertex_id=str(data["vertexId"]),
            old=int(data["old"]),
            new=int(data["new"]),
            true_rate=_read_float(data.get("trueRate")),
            expected_rate=_read_float(data.get("expectedRate")),
        )


@dataclass(frozen=True)
class PendingScaleDown:
    """A scale-down first asked for at `since`; `parallelism` is the highest asked since."""

    since: float
    parallelism: int


@dataclass(frozen=True)
class AutoscalerState:
    samples: tuple[Sample, ...] = ()
    job_started: float | None = None
    history: tuple[ScalingRecord, ...] = ()
    pending_scale_down: Mapping[str, PendingScaleDown] = field(default_factory=dict)
    overrides: Mapping[str, int] = field(default_factory=dict)
    reset_nonce: int | None = None
    last_report: float | None = None
    rescaled_at: float | None = None
    restart_times: tuple[float, ...] = ()

    def with_samples(self, samples: tuple[Sample, ...]) -> AutoscalerState:
        return replace(self, samples=samples)

    def to_dict(self) -> dict[str, Any]:
        return {
            "samples": [s.to_dict() for s in self.samples],
            "jobStarted": self.job_started,
            "history": [r.to_dict() for r in self.history],
            "pendingScaleDown": {
                vid: [p.since, p.parallelism] for vid, p in self.pending_scale_down.items()
            },
            "overrides": dict(self.overrides),
            "resetNonce": self.reset_nonce,
            "lastReport": self.last_report,
            "rescaledAt": self.rescaled_at,
            "restartTimes": list(self.restart_times),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> AutoscalerState:
        if not data:
            return cls()
        pending = {
            vid: PendingScaleDown(float(v[0]), int(v[1]))
            for vid, v in dict(data.get("pendingScaleDown") or {}).items()
        }
        return cls(
            samples=tuple(Sample.from_dict(s) for s in data.get("samples") or ()),
            job_started=_float(data.get("jobStarted")),
            history=tuple(ScalingRecord.from_dict(r) for r in data.get("history") or ()),
            pending_scale_down=pending,
            overrides={str(k): int(v) for k, v in dict(data.get("overrides") or {}).items()},
            reset_nonce=data.get("resetNonce"),
            last_report=_float(data.get("lastReport")),
            rescaled_at=_float(data.get("rescaledAt")),
            restart_times=tuple(float(t) for t in data.get("restartTimes") or ()),
        )


def _json_float(value: float) -> float | str:
    """JSON has no infinity or NaN; they are kept as strings."""
    return value if math.isfinite(value) else str(value)


def _read_float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
