"""The parallelism a vertex needs (FKO's JobVertexScaler, in outline).

scale factor = capacity needed at the target utilisation / true processing rate,
clamped by the max scale-up and scale-down factors; the new parallelism is the
ceiling of factor * current, within the vertex limits and the max parallelism, then
aligned so that key groups (or a source's partitions) spread evenly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scurry.autoscaler.evaluate import Evaluation, capacity
from scurry.autoscaler.options import AutoscalerOptions
from scurry.autoscaler.samples import Vertex


@dataclass(frozen=True)
class Recommendation:
    """What one vertex should run with, and the rate that parallelism should reach."""

    vertex_id: str
    current: int
    parallelism: int
    expected_rate: float

    @property
    def is_scale_up(self) -> bool:
        return self.parallelism > self.current

    @property
    def is_scale_down(self) -> bool:
        return self.parallelism < self.current


def recommend(
    vertex: Vertex, evaluation: Evaluation, options: AutoscalerOptions, restart_time: float
) -> Recommendation:
    """The parallelism that brings the vertex to the target utilisation."""
    current = vertex.parallelism
    keep = Recommendation(vertex.vertex_id, current, current, evaluation.true_rate)
    rate = evaluation.true_rate
    if math.isnan(rate):
        return keep
    needed = capacity(
        evaluation.target_rate,
        evaluation.catch_up_rate,
        options.utilization_target,
        options,
        restart_time,
    )
    if math.isnan(needed):
        return keep
    factor = scale_factor(needed, rate, options)
    new = scaled_parallelism(vertex, factor, options)
    expected = rate * factor if not math.isinf(rate) else needed
    return Recommendation(vertex.vertex_id, current, new, expected)


def scale_factor(needed: float, rate: float, options: AutoscalerOptions) -> float:
    """needed / rate within [1 - scale-down.max-factor, 1 + scale-up.max-factor]."""
    raw = 0.0 if math.isinf(rate) else needed / rate
    low = 1 - options.scale_down_max_factor
    high = 1 + options.scale_up_max_factor
    return min(max(raw, low), high)


def scaled_parallelism(vertex: Vertex, factor: float, options: AutoscalerOptions) -> int:
    current = vertex.parallelism
    lower = min(current, options.vertex_min_parallelism)
    upper = min(vertex.max_parallelism, max(current, options.vertex_max_parallelism))
    if vertex.partitions:
        upper = min(upper, vertex.partitions)
    # The epsilon keeps a factor computed as 2.0000000001 from asking for one more subtask.
    wanted = math.ceil(factor * current - 1e-9)
    new = max(min(wanted, upper), lower)
    return align(vertex, new, upper, options)


def align(vertex: Vertex, parallelism: int, upper: int, options: AutoscalerOptions) -> int:
    """Round up to a divisor of the key groups (keyed input) or source partitions, so
    that each subtask gets an equal share; keep `parallelism` when no divisor fits."""
    if options.alignment_mode.upper() != "BALANCED":
        return parallelism
    if vertex.partitions:
        total, limit = vertex.partitions, vertex.partitions
    elif vertex.keyed:
        # Beyond half the key groups the only divisor left is all of them: too big a jump.
        total, limit = vertex.max_parallelism, vertex.max_parallelism // 2
    else:
        return parallelism
    for candidate in range(parallelism, min(upper, limit) + 1):
        if total % candidate == 0:
            return candidate
    return parallelism
