"""The texts of the autoscaler's events and the per-vertex summary kept in status."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from scurry.autoscaler.evaluate import Evaluation
from scurry.autoscaler.options import AutoscalerOptions
from scurry.autoscaler.samples import Topology
from scurry.autoscaler.state import ScalingRecord


def _rate(value: float) -> str:
    return "n/a" if math.isnan(value) else ("inf" if math.isinf(value) else f"{value:.2f}")


def finite(value: float) -> float | None:
    """A float fit for JSON: infinities and NaN become None."""
    return None if math.isnan(value) or math.isinf(value) else round(value, 3)


def scaling_message(
    topology: Topology,
    changed: Mapping[str, int],
    evaluations: Mapping[str, Evaluation],
    executed: bool,
) -> str:
    head = "Scaling vertices:" if executed else "Recommended parallelism (scaling not executed):"
    lines = [head]
    for vid, new in sorted(changed.items()):
        ev = evaluations[vid]
        vertex = topology.vertex(vid)
        label = f"{vertex.name} ({vid})" if vertex.name else vid
        lines.append(
            f"  {label}: parallelism {vertex.parallelism} -> {new}, "
            f"true processing rate {_rate(ev.true_rate)}, target rate {_rate(ev.target_rate)}"
            f", catch-up rate {_rate(ev.catch_up_rate)}"
        )
    return "\n".join(lines)


def ineffective_message(
    vertex_id: str, last: ScalingRecord, rate_now: float, options: AutoscalerOptions
) -> str:
    action = "blocked" if options.effectiveness_detection else "not blocked (detection off)"
    return (
        f"Ineffective scaling of vertex {vertex_id}: the scale-up from {last.old} to "
        f"{last.new} was expected to raise the processing rate from "
        f"{_rate(last.true_rate)} to {_rate(last.expected_rate)} but it is "
        f"{_rate(rate_now)}; further scale-up {action}"
    )


def vertex_summary(evaluations: Mapping[str, Evaluation]) -> list[dict[str, Any]]:
    """What status shows per vertex after an evaluation."""
    return [
        {
            "vertexId": ev.vertex_id,
            "parallelism": ev.parallelism,
            "load": finite(ev.load),
            "trueProcessingRate": finite(ev.true_rate),
            "targetDataRate": finite(ev.target_rate),
            "catchUpDataRate": finite(ev.catch_up_rate),
            "lag": finite(ev.lag),
        }
        for ev in evaluations.values()
    ]
