"""Evaluation of a window: true rate from busy time, observed rate of a catching-up
source, target and catch-up rates propagated downstream, backlog, bounds."""

from __future__ import annotations

import math

import pytest

from scurry.autoscaler.evaluate import capacity, evaluate
from scurry.autoscaler.options import AutoscalerOptions
from scurry.autoscaler.samples import Sample, Topology, Vertex, VertexMetrics

OPTIONS = AutoscalerOptions.from_config(
    {"job.autoscaler.catch-up.duration": "100 s", "job.autoscaler.restart.time": "10 s"}
)
CHAIN = Topology(
    (
        Vertex("src", parallelism=1, max_parallelism=128),
        Vertex("map", parallelism=2, max_parallelism=128, inputs=("src",)),
    )
)


def window(
    src: list[VertexMetrics], downstream: list[VertexMetrics], step: float = 10.0
) -> list[Sample]:
    return [
        Sample(step * i, {"src": s, "map": d})
        for i, (s, d) in enumerate(zip(src, downstream, strict=True))
    ]


def metrics(
    busy: float, rate: float, out: float | None = None, **kw: float | None
) -> VertexMetrics:
    return VertexMetrics(
        busy_ms=busy,
        backpressured_ms=float(kw.get("bp") or 0.0),
        records_in=rate,
        records_out=rate if out is None else out,
        pending_records=kw.get("lag"),
    )


def test_true_rate_is_input_over_busy_fraction() -> None:
    samples = window([metrics(250, 100)] * 3, [metrics(800, 200)] * 3)
    result = evaluate(CHAIN, samples, OPTIONS, restart_time=10)
    assert result["src"].true_rate == pytest.approx(400)
    assert result["map"].true_rate == pytest.approx(250)


def test_idle_vertex_has_infinite_true_rate() -> None:
    samples = window([metrics(0, 0)] * 2, [metrics(0, 0)] * 2)
    assert math.isinf(evaluate(CHAIN, samples, OPTIONS, 10)["map"].true_rate)


def test_target_rate_adds_lag_growth_and_propagates_by_output_ratio() -> None:
    src = [metrics(500, 100, out=100, lag=1000 + 50 * 10 * i) for i in range(3)]
    samples = window(src, [metrics(500, 100, out=300)] * 3)
    result = evaluate(CHAIN, samples, OPTIONS, 10)
    assert result["src"].lag == 2000
    assert result["src"].target_rate == pytest.approx(150)  # 100 in + 50/s backlog growth
    assert result["src"].catch_up_rate == pytest.approx(20)  # 2000 over 100 s
    assert result["map"].target_rate == pytest.approx(150)
    assert result["map"].output_ratio == pytest.approx(3)


def test_no_pending_records_means_no_lag_terms() -> None:
    samples = window([metrics(500, 100)] * 3, [metrics(1000, 100)] * 3)
    result = evaluate(CHAIN, samples, OPTIONS, 10)
    assert (result["src"].lag, result["src"].catch_up_rate) == (0, 0)
    assert result["map"].target_rate == pytest.approx(100)


def test_catching_up_source_uses_observed_rate_when_busy_time_overstates_it() -> None:
    # Busy time says 1000/s is possible; the source sustains 200/s at 50% backpressure.
    src = [metrics(100, 100, bp=500, lag=100_000)] * 3
    result = evaluate(CHAIN, window(src, [metrics(1000, 100)] * 3), OPTIONS, 10)
    assert result["src"].true_rate == pytest.approx(200)


def test_observed_rate_needs_min_observations() -> None:
    src = [metrics(100, 100, bp=500, lag=100_000)] + [metrics(100, 100, bp=500, lag=0)] * 2
    result = evaluate(CHAIN, window(src, [metrics(1000, 100)] * 3), OPTIONS, 10)
    assert result["src"].true_rate == pytest.approx(1000)


def test_backlog_widens_bounds_to_zero_and_one() -> None:
    # 100k records at 100/s is 1000 s of backlog > 300 s threshold.
    src = [metrics(500, 100, lag=100_000)] * 3
    result = evaluate(CHAIN, window(src, [metrics(500, 100)] * 3), OPTIONS, 10)
    assert math.isinf(result["map"].scale_down_threshold)
    assert result["map"].scale_up_threshold == pytest.approx(1000 + 100)  # catch-up + target


@pytest.mark.parametrize(
    ("target", "catch_up", "utilization", "restart", "expected"),
    [
        (70, 0, 0.7, None, 100),
        (70, 5, 0.7, None, 105),
        (100, 0, 0.5, 10, 210),  # + 100 * 10 s / 100 s catch-up duration
        (100, 0, 0.0, None, math.inf),
    ],
)
def test_capacity(
    target: float, catch_up: float, utilization: float, restart: float | None, expected: float
) -> None:
    assert capacity(target, catch_up, utilization, OPTIONS, restart) == expected


def test_capacity_without_catch_up_duration_ignores_restart() -> None:
    options = AutoscalerOptions.from_config({"job.autoscaler.catch-up.duration": "0"})
    assert capacity(100, 0, 0.5, options, 300) == 200
    assert math.isnan(capacity(math.nan, 0, 0.5, options, 300))


@pytest.mark.parametrize(
    ("true_rate_busy", "outside"),
    [(100, True), (105, False), (150, False), (260, False), (300, True)],
)
def test_bounds(true_rate_busy: float, outside: bool) -> None:
    # map consumes 100/s; utilisation 0.7 ± 0.3 => band [100, 250 + 10 for the restart];
    # busy all the time (a true rate of 100) counts as saturated, hence outside.
    busy = 100 / true_rate_busy * 1000
    samples = window([metrics(100, 100)] * 2, [metrics(busy, 100)] * 2)
    assert evaluate(CHAIN, samples, OPTIONS, 10)["map"].outside_bounds is outside
