"""The autoscaler against a simulated pipeline with known true rates: steady load, load
steps, spikes, a backpressured sink, sources without pendingRecords; and, for random
pipelines under constant load, that it converges and never oscillates."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scurry.testing.pipeline_sim import SimPipeline, SimVertex, Step, options_for_tests, run

HOUR = 3600.0
T0 = 1_000_000.0


def steps_load(*levels: tuple[float, float]) -> Callable[[float], float]:
    """Load `rate` from `after` seconds on, for each (after, rate)."""

    def load(t: float) -> float:
        current = levels[0][1]
        for after, rate in levels:
            if t - T0 >= after:
                current = rate
        return current

    return load


def chain(*rates: float, parallelism: int = 1, keyed: bool = False) -> list[SimVertex]:
    return [
        SimVertex(f"v{i}", rate, parallelism=parallelism, keyed=keyed and i > 0)
        for i, rate in enumerate(rates)
    ]


def decisions(steps: list[Step], after: float = 0.0) -> list[Step]:
    return [s for s in steps if s.outcome.result == "scaled" and s.time - T0 >= after]


def directions(steps: list[Step], vertex: str) -> list[int]:
    """+1 / -1 for each change of a vertex's parallelism, in order."""
    seen = [s.parallelism[vertex] for s in steps]
    return [1 if b > a else -1 for a, b in itertools.pairwise(seen) if a != b]


def assert_no_oscillation(steps: list[Step], vertices: list[SimVertex]) -> None:
    for v in vertices:
        dirs = directions(steps, v.vertex_id)
        reversals = sum(1 for a, b in itertools.pairwise(dirs) if a != b)
        assert reversals <= 1, (v.vertex_id, [s.parallelism[v.vertex_id] for s in steps])


def keeps_up(pipeline: SimPipeline, steps: list[Step]) -> bool:
    last = steps[-1]
    return pipeline.capacity() >= last.offered and last.backlog < last.offered * 60


def test_steady_right_sized_pipeline_is_never_rescaled() -> None:
    vertices = chain(500, 500, 500, parallelism=2)  # 700/s: every vertex at 70%
    pipeline = SimPipeline(vertices, steps_load((0, 700)), noise=0.05)
    steps = run(pipeline, options_for_tests(), 2 * HOUR)
    assert decisions(steps) == []


def test_step_up_scales_up_in_few_decisions_and_catches_up() -> None:
    vertices = chain(2000, 500, 1500, parallelism=2)
    pipeline = SimPipeline(vertices, steps_load((0, 700), (1800, 2500)))
    steps = run(pipeline, options_for_tests(), 2 * HOUR)
    ups = decisions(steps, after=1800)
    assert 1 <= len(ups) <= 3
    assert keeps_up(pipeline, steps)
    assert_no_oscillation(steps, vertices)


def test_step_down_waits_for_the_scale_down_interval() -> None:
    vertices = chain(2000, 500, 1500, parallelism=8)
    pipeline = SimPipeline(vertices, steps_load((0, 3000), (1800, 300)))
    options = options_for_tests()
    steps = run(pipeline, options, 3 * HOUR)
    downs = decisions(steps, after=1800)
    assert downs, "never scaled down"
    assert downs[0].time - T0 - 1800 >= options.scale_down_interval
    after_drop = [s for s in steps if s.time - T0 >= 1800]
    assert all(d <= 0 for v in vertices for d in directions(after_drop, v.vertex_id))
    assert steps[-1].parallelism["v1"] < 8
    assert keeps_up(pipeline, steps)
    assert_no_oscillation(steps, vertices)


def test_spikes_shorter_than_the_window_do_not_cause_flapping() -> None:
    def spiky(t: float) -> float:
        return 2000.0 if (t - T0) % 600 < 20 else 700.0

    vertices = chain(2000, 500, 1500, parallelism=2)
    pipeline = SimPipeline(vertices, spiky, noise=0.1, seed=3)
    steps = run(pipeline, options_for_tests(), 3 * HOUR)
    assert len(decisions(steps)) <= 1
    assert_no_oscillation(steps, vertices)


def test_backpressured_sink_is_scaled_not_the_source() -> None:
    # The sink handles 300/s per subtask; the source could do 5000/s but is held back.
    vertices = chain(5000, 300)
    pipeline = SimPipeline(vertices, steps_load((0, 1000)), reports_pending=False)
    steps = run(pipeline, options_for_tests(), 2 * HOUR)
    assert steps[-1].parallelism["v0"] == 1
    assert steps[-1].parallelism["v1"] * 300 >= 1000
    assert pipeline.capacity() >= 1000
    assert_no_oscillation(steps, vertices)


def test_without_pending_records_a_step_up_is_still_followed() -> None:
    vertices = chain(2000, 500, parallelism=2)
    pipeline = SimPipeline(vertices, steps_load((0, 700), (1800, 2500)), reports_pending=False)
    steps = run(pipeline, options_for_tests(), 3 * HOUR)
    assert steps[-1].parallelism["v1"] * 500 >= 2500
    assert_no_oscillation(steps, vertices)


def test_keyed_vertex_lands_on_a_divisor_of_its_key_groups() -> None:
    vertices = chain(5000, 100, keyed=True)
    pipeline = SimPipeline(vertices, steps_load((0, 1300)))
    steps = run(pipeline, options_for_tests(), HOUR)
    assert 128 % steps[-1].parallelism["v1"] == 0


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rates=st.lists(st.integers(100, 5000), min_size=1, max_size=3),
    load=st.integers(50, 20000),
    start=st.integers(1, 16),
    pending=st.booleans(),
)
def test_constant_load_converges_without_oscillation(
    rates: list[int], load: int, start: int, pending: bool
) -> None:
    vertices = chain(*map(float, rates), parallelism=start)
    pipeline = SimPipeline(vertices, steps_load((0, float(load))), reports_pending=pending)
    steps = run(pipeline, options_for_tests(), 4 * HOUR, interval=15.0)
    assert_no_oscillation(steps, vertices)
    # A vertex held at its max parallelism may leave the job short and the rest moving.
    capped = any(steps[-1].parallelism[v.vertex_id] >= v.max_parallelism for v in vertices)
    if not capped:
        assert keeps_up(pipeline, steps)
        assert decisions(steps, after=3 * HOUR) == []
