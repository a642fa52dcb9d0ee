"""From a window of samples to per-vertex rates: true processing rate, target rate,
catch-up rate and the utilisation bounds (FKO's ScalingMetricEvaluator, in outline).

The true processing rate is what a vertex could do at full load with its current
parallelism: what it consumed divided by the fraction of time it was busy. For a
source that is catching up and backpressured, the rate it observably sustains is
used instead when busy time is missing or overstates it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scurry.autoscaler.options import AutoscalerOptions
from scurry.autoscaler.samples import Sample, Topology, Vertex, VertexMetrics

NAN = float("nan")
# Busy 99% of the time or more: the vertex cannot take more than it gets.
SATURATED = 0.99
INF = float("inf")


@dataclass(frozen=True)
class Evaluation:
    """One vertex over the window. Rates in records per second."""

    vertex_id: str
    parallelism: int
    load: float
    input_rate: float
    output_ratio: float
    lag: float
    true_rate: float
    target_rate: float
    catch_up_rate: float
    scale_up_threshold: float
    scale_down_threshold: float
    constrained: bool = False

    @property
    def saturated(self) -> bool:
        return self.load >= SATURATED

    @property
    def outside_bounds(self) -> bool:
        """Below the scale-up threshold, above the scale-down one, or saturated.

        FKO counts a vertex busy all the time as within bounds when nothing upstream
        reports a backlog (its rate then equals its input, at utilisation 1); scurry
        counts it as a bottleneck, so a pipeline whose source reports no
        `pendingRecords` is still scaled up when it is backpressured.
        """
        return (
            self.true_rate < self.scale_up_threshold
            or self.true_rate > self.scale_down_threshold
            or self.saturated
        )


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else NAN


def _series(samples: Sequence[Sample], vertex_id: str) -> list[VertexMetrics]:
    return [s.vertices[vertex_id] for s in samples if vertex_id in s.vertices]


def lag_of(samples: Sequence[Sample], vertex_id: str) -> tuple[float, float]:
    """(latest backlog, its rate of change per second) of a source; zeros if unreported."""
    points = [
        (s.time, m.pending_records)
        for s in samples
        if (m := s.vertices.get(vertex_id)) is not None and m.pending_records is not None
    ]
    if not points:
        return 0.0, 0.0
    (t0, first), (t1, last) = points[0], points[-1]
    slope = (last - first) / (t1 - t0) if t1 > t0 else 0.0
    return last, slope


def busy_time_rate(series: Sequence[VertexMetrics]) -> tuple[float, float]:
    """(mean load, true rate from busy time); the rate is infinite for an idle vertex."""
    load = _mean([m.load for m in series])
    rate = _mean([m.records_in for m in series])
    if math.isnan(load) or math.isnan(rate):
        return load, NAN
    if rate == 0 or load == 0:
        return load, INF
    return load, rate / load


def observed_rate(series: Sequence[VertexMetrics], options: AutoscalerOptions) -> float | None:
    """What a catching-up source sustains, corrected for backpressure; None if too few."""
    observations = [
        m.records_in / (1 - m.backpressured_ms / 1000.0)
        for m in series
        if m.pending_records is not None
        and m.records_in > 0
        and m.backpressured_ms < 1000
        and m.pending_records >= options.observed_tpr_lag_threshold * m.records_in
    ]
    if len(observations) < max(1, options.observed_tpr_min_observations):
        return None
    return _mean(observations)


def true_rate(
    vertex: Vertex, series: Sequence[VertexMetrics], options: AutoscalerOptions
) -> tuple[float, float]:
    """(mean load, true processing rate) of one vertex."""
    load, busy_rate = busy_time_rate(series)
    if not vertex.is_source:
        return load, busy_rate
    observed = observed_rate(series, options)
    if observed is None:
        return load, busy_rate
    switch = 1 + options.observed_tpr_switch_threshold
    if math.isinf(busy_rate) or math.isnan(busy_rate) or busy_rate > observed * switch:
        return load, observed
    return load, busy_rate


def capacity(
    target_rate: float,
    catch_up_rate: float,
    utilization: float,
    options: AutoscalerOptions,
    restart_time: float | None,
) -> float:
    """The processing rate needed to keep up at `utilization`, catch up on the backlog
    and, with `restart_time`, absorb what piles up while the job restarts."""
    if math.isnan(target_rate):
        return NAN
    if utilization <= 0:
        return INF
    restart = 0.0
    if restart_time is not None and options.catch_up_duration > 0:
        restart = target_rate * restart_time / options.catch_up_duration
    return float(round(catch_up_rate + restart + target_rate / utilization))


def is_backlogged(
    topology: Topology, samples: Sequence[Sample], options: AutoscalerOptions
) -> bool:
    """A source whose backlog exceeds `backlog-processing.lag-threshold` worth of input."""
    for vertex in topology.vertices:
        if not vertex.is_source:
            continue
        lag, _ = lag_of(samples, vertex.vertex_id)
        rate = _mean([m.records_in for m in _series(samples, vertex.vertex_id)])
        if lag > 0 and (not rate or lag / rate > options.backlog_lag_threshold):
            return True
    return False


def evaluate(
    topology: Topology,
    samples: Sequence[Sample],
    options: AutoscalerOptions,
    restart_time: float,
) -> dict[str, Evaluation]:
    """Evaluate every vertex, sources first, propagating target and catch-up rates.

    While a source is catching up on a backlog, or some vertex is saturated (so that
    every rate around it is capped by it), the bounds widen to [0, 1]: nothing is
    scaled for utilisation alone, and nothing is scaled down.
    """
    rates = {
        v.vertex_id: true_rate(v, _series(samples, v.vertex_id), options) for v in topology.vertices
    }
    constrained = is_backlogged(topology, samples, options) or any(
        load >= SATURATED for load, _ in rates.values()
    )
    upper = 1.0 if constrained else options.utilization_upper
    lower = 0.0 if constrained else options.utilization_lower
    result: dict[str, Evaluation] = {}
    for vertex in topology.vertices:
        series = _series(samples, vertex.vertex_id)
        load, rate = rates[vertex.vertex_id]
        input_rate = _mean([m.records_in for m in series])
        target, catch_up, lag = _demand(vertex, samples, result, input_rate, options)
        result[vertex.vertex_id] = Evaluation(
            vertex_id=vertex.vertex_id,
            parallelism=vertex.parallelism,
            load=load,
            input_rate=input_rate,
            output_ratio=_ratio(series),
            lag=lag,
            true_rate=rate,
            target_rate=target,
            catch_up_rate=catch_up,
            scale_up_threshold=capacity(target, catch_up, upper, options, None),
            scale_down_threshold=capacity(target, catch_up, lower, options, restart_time),
            constrained=constrained,
        )
    return result


def _demand(
    vertex: Vertex,
    samples: Sequence[Sample],
    upstream: Mapping[str, Evaluation],
    input_rate: float,
    options: AutoscalerOptions,
) -> tuple[float, float, float]:
    """(target rate, catch-up rate, lag) of a vertex."""
    if vertex.is_source:
        lag, slope = lag_of(samples, vertex.vertex_id)
        target = max(0.0, input_rate + slope) if not math.isnan(input_rate) else NAN
        catch_up = lag / options.catch_up_duration if options.catch_up_duration > 0 else 0.0
        return target, catch_up, lag
    known = [upstream[u] for u in vertex.inputs if u in upstream]
    target = sum(u.target_rate * u.output_ratio for u in known)
    catch_up = sum(u.catch_up_rate * u.output_ratio for u in known)
    return target, catch_up, 0.0


def _ratio(series: Sequence[VertexMetrics]) -> float:
    consumed = _mean([m.records_in for m in series])
    emitted = _mean([m.records_out for m in series])
    if math.isnan(consumed) or math.isnan(emitted) or consumed == 0:
        return 0.0
    return emitted / consumed
