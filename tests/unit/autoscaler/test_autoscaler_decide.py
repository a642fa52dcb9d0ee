"""One autoscaler step at a time: disabled, stabilisation, window, restart, reset nonce,
scale-up, delayed scale-down, report-only modes, ineffective scaling, state round trip."""

from __future__ import annotations

import json

from scurry.autoscaler.decide import JobView, Outcome, autoscale
from scurry.autoscaler.options import AutoscalerOptions
from scurry.autoscaler.samples import Sample, Topology, Vertex, VertexMetrics
from scurry.autoscaler.state import AutoscalerState, ScalingRecord
from scurry.config.vertex_overrides import format_overrides, parse_overrides

BASE = {
    "job.autoscaler.enabled": "true",
    "job.autoscaler.stabilization.interval": "60 s",
    "job.autoscaler.metrics.window": "120 s",
    "job.autoscaler.restart.time": "0 s",
    "job.autoscaler.catch-up.duration": "0",
    "job.autoscaler.scale-down.interval": "300 s",
    # A band of [0.4, 0.9] so that a vertex at full load is outside it without a backlog.
    "job.autoscaler.utilization.max": "0.9",
}
START = 10_000.0


def options(**extra: str) -> AutoscalerOptions:
    return AutoscalerOptions.from_config(
        {**BASE, **{f"job.autoscaler.{k}": v for k, v in extra.items()}}
    )


def topology(p: int = 2) -> Topology:
    return Topology((Vertex("src", 1, 128), Vertex("map", p, 128, inputs=("src",))))


def sample(t: float, map_busy: float, rate: float = 100.0) -> Sample:
    return Sample(
        t,
        {
            "src": VertexMetrics(100, 0, rate, rate),
            "map": VertexMetrics(map_busy, 0, rate, rate),
        },
    )


def drive(
    opts: AutoscalerOptions,
    busy: float,
    until: float,
    state: AutoscalerState | None = None,
    p: int = 2,
    since: float = START,
    nonce: int | None = None,
    begin: float | None = None,
) -> list[Outcome]:
    """Sample every 10 s from `begin` (default: `since`, when the job started running) to
    `until`, stopping at the first rescale."""
    state = state or AutoscalerState(reset_nonce=nonce)
    outcomes = []
    t = since if begin is None else begin
    while t < until:
        t += 10
        out = autoscale(state, JobView(topology(p), since), sample(t, busy), t, opts, nonce)
        outcomes.append(out)
        state = out.state
        if out.result == "scaled":
            break
    return outcomes


def test_disabled_clears_state() -> None:
    state = AutoscalerState(overrides={"map": 4}, samples=(sample(1, 500),))
    out = autoscale(state, JobView(topology(), START), None, START, AutoscalerOptions())
    assert out.result == "disabled"
    assert out.overrides == {}
    assert out.state.samples == ()


def test_not_running_does_nothing() -> None:
    out = autoscale(AutoscalerState(), JobView(topology(), None), sample(1, 900), 1, options())
    assert out.result == "not-running"
    assert out.state.samples == ()


def test_no_decision_before_stabilisation_and_full_window() -> None:
    outcomes = drive(options(), busy=1000, until=START + 300)
    results = [o.result for o in outcomes]
    assert results[:5] == ["stabilizing"] * 5  # up to 50 s in
    assert set(results[5:17]) == {"collecting"}  # 60 s .. 170 s
    assert results[-1] == "scaled"  # decided once the window is full, at 180 s
    assert outcomes[-1].state.samples == ()
    assert next(s.time for s in outcomes[-2].state.samples) >= START + 60


def test_scale_up_records_overrides_history_and_an_event() -> None:
    # map at full load with 100/s: true rate 100, needs 100/0.7 => factor 1.43 => 3.
    out = drive(options(), busy=1000, until=START + 300)[-1]
    assert out.overrides == {"src": 1, "map": 3}
    assert format_overrides(out.overrides) == "map:3,src:1"
    (record,) = out.state.history
    assert (record.vertex_id, record.old, record.new) == ("map", 2, 3)
    assert [e.reason for e in out.events] == ["ScalingReport"]
    assert "map" in out.events[0].message
    assert "2 -> 3" in out.events[0].message


def test_balanced_job_is_left_alone() -> None:
    outcomes = drive(options(), busy=700, until=START + 600)
    assert {o.result for o in outcomes[17:]} == {"balanced"}
    assert outcomes[-1].overrides == {}


def test_scale_down_waits_for_the_interval_and_takes_the_highest_ask() -> None:
    # map at 20% load: wants 100/0.7 = 143 of 500 => factor 0.29, clamped to 0.4 => 1.
    outcomes = drive(options(), busy=200, until=START + 1000)
    first_ask = next(o for o in outcomes if o.state.pending_scale_down)
    asked_at = first_ask.state.pending_scale_down["map"].since
    scaled = outcomes[-1]
    assert scaled.result == "scaled"
    assert scaled.overrides["map"] == 1
    assert scaled.state.history[-1].time - asked_at >= 300
    assert all(o.result == "balanced" for o in outcomes if asked_at <= _t(o) < asked_at + 300)


def _t(out: Outcome) -> float:
    return max((s.time for s in out.state.samples), default=0.0)


def test_scale_up_forgets_a_pending_scale_down() -> None:
    low = drive(options(), busy=200, until=START + 250)
    assert low[-1].state.pending_scale_down
    high = drive(options(), busy=1000, until=START + 600, state=low[-1].state, begin=START + 250)
    assert high[-1].result == "scaled"
    assert high[-1].state.pending_scale_down == {}


def test_scaling_disabled_only_reports_once_per_interval() -> None:
    outcomes = drive(options(**{"scaling.enabled": "false"}), busy=1000, until=START + 1200)
    assert {o.result for o in outcomes[17:]} == {"recommended"}
    reports = [o for o in outcomes if o.events]
    assert len(reports) == 1
    assert "not executed" in reports[0].events[0].message
    assert outcomes[-1].overrides == {}
    assert outcomes[-1].recommendations == {"map": 3}


def test_excluded_period_only_reports() -> None:
    outcomes = drive(
        options(**{"excluded.periods": "00:00:00-23:59:59"}), busy=1000, until=START + 400
    )
    assert outcomes[-1].result == "recommended"
    assert outcomes[-1].overrides == {}


def test_excluded_vertex_is_never_scaled() -> None:
    outcomes = drive(options(**{"vertex.exclude.ids": "map"}), busy=1000, until=START + 400)
    assert outcomes[-1].result == "balanced"
    assert "map" not in outcomes[-1].recommendations


def test_job_restart_drops_samples_and_measures_restart_time() -> None:
    scaled = drive(options(), busy=1000, until=START + 300)[-1]
    rescaled_at = scaled.state.rescaled_at
    assert rescaled_at is not None
    again = autoscale(
        scaled.state, JobView(topology(3), rescaled_at + 7), None, rescaled_at + 8, options()
    )
    assert again.result == "stabilizing"
    assert again.state.restart_times == (7.0,)


def test_restart_time_tracking_uses_the_longest_observed_restart() -> None:
    from scurry.autoscaler.decide import restart_time

    state = AutoscalerState(restart_times=(20.0, 2000.0))
    assert restart_time(state, options()) == 0
    assert restart_time(state, options(**{"restart.time-tracking.enabled": "true"})) == 900


def test_reset_nonce_drops_history_and_overrides() -> None:
    scaled = drive(options(), busy=1000, until=START + 300)[-1]
    reset = autoscale(scaled.state, JobView(topology(3), START), None, START + 400, options(), 1)
    assert reset.state.history == ()
    assert reset.overrides == {}
    assert reset.state.reset_nonce == 1
    same = autoscale(reset.state, JobView(topology(3), START), None, START + 410, options(), 1)
    assert same.state.reset_nonce == 1


def ineffective_history(before: float, expected: float) -> AutoscalerState:
    return AutoscalerState(
        history=(
            ScalingRecord(START - 1000, "map", 1, 2, true_rate=before, expected_rate=expected),
        )
    )


def test_ineffective_scale_up_is_reported_and_blocked_only_when_enabled() -> None:
    # Last scale-up 1 -> 2 expected 100 -> 200; at p=2 the true rate is still 100.
    for enabled, expect_scaled in (("false", True), ("true", False)):
        opts = options(**{"scaling.effectiveness.detection.enabled": enabled})
        outcomes = drive(opts, busy=1000, until=START + 400, state=ineffective_history(100, 200))
        assert any(e.reason == "IneffectiveScaling" for o in outcomes for e in o.events)
        assert (outcomes[-1].result == "scaled") is expect_scaled


def test_effective_scale_up_is_not_flagged() -> None:
    outcomes = drive(options(), busy=1000, until=START + 400, state=ineffective_history(50, 110))
    assert not any(e.reason == "IneffectiveScaling" for o in outcomes for e in o.events)


def test_state_round_trips_through_json() -> None:
    scaled = drive(options(), busy=200, until=START + 250)[-1].state
    state = AutoscalerState(
        samples=scaled.samples,
        job_started=START,
        history=ineffective_history(1, float("inf")).history,
        pending_scale_down=scaled.pending_scale_down,
        overrides={"map": 3},
        reset_nonce=2,
        restart_times=(3.0,),
    )
    assert AutoscalerState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


def test_overrides_text() -> None:
    assert parse_overrides("a:2, b:3,broken,c:") == {"a": 2, "b": 3}
    assert parse_overrides(None) == {}
