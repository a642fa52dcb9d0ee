"""One autoscaler step: take a sample, and when the window is full decide whether to
rescale (FKO's JobAutoScalerImpl → ScalingMetricEvaluator → ScalingExecutor).

Pure: the caller passes the state it kept, the job as it is, a fresh sample and the
time; it gets the next state, the parallelism overrides to run with, and events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from scurry.autoscaler.evaluate import Evaluation, evaluate
from scurry.autoscaler.excluded import in_excluded_period
from scurry.autoscaler.options import AutoscalerOptions
from scurry.autoscaler.parallelism import Recommendation, recommend
from scurry.autoscaler.report import ineffective_message, scaling_message
from scurry.autoscaler.samples import Sample, Topology
from scurry.autoscaler.state import AutoscalerState, PendingScaleDown, ScalingRecord


@dataclass(frozen=True)
class Event:
    type: str
    reason: str
    message: str


@dataclass(frozen=True)
class JobView:
    """The job as observed: its vertices with their current parallelism, and when it last
    became RUNNING (None while it is not running)."""

    topology: Topology
    running_since: float | None


@dataclass(frozen=True)
class Outcome:
    """`result` is one of disabled, not-running, stabilizing, collecting, balanced,
    recommended (reported only) or scaled."""

    state: AutoscalerState
    result: str
    events: tuple[Event, ...] = ()
    evaluations: Mapping[str, Evaluation] = field(default_factory=dict)
    recommendations: Mapping[str, int] = field(default_factory=dict)

    @property
    def overrides(self) -> Mapping[str, int]:
        return self.state.overrides


def autoscale(
    state: AutoscalerState,
    job: JobView,
    sample: Sample | None,
    now: float,
    options: AutoscalerOptions,
    reset_nonce: int | None = None,
) -> Outcome:
    """Advance the autoscaler by one reconcile."""
    if not options.enabled:
        return Outcome(AutoscalerState(reset_nonce=reset_nonce), "disabled")
    if reset_nonce != state.reset_nonce:
        state = AutoscalerState(reset_nonce=reset_nonce)
    if job.running_since is None:
        return Outcome(state, "not-running")
    state = _follow_restart(state, job.running_since, options)
    stable_at = job.running_since + options.stabilization_interval
    if now < stable_at:
        return Outcome(state, "stabilizing")
    state = _collect(state, sample, stable_at, now, options)
    if now < stable_at + options.metrics_window or len(state.samples) < 2:
        return Outcome(state, "collecting")
    return _decide(state, job.topology, now, options)


def _follow_restart(
    state: AutoscalerState, running_since: float, options: AutoscalerOptions
) -> AutoscalerState:
    """A job that restarted since the samples were taken makes them stale; a restart
    after a rescale tells how long rescaling takes."""
    if state.job_started == running_since:
        return state
    restarts = state.restart_times
    if state.rescaled_at is not None and running_since >= state.rescaled_at:
        restarts = (*restarts, running_since - state.rescaled_at)[-options.history_max_count :]
    return replace(
        state, samples=(), job_started=running_since, rescaled_at=None, restart_times=restarts
    )


def _collect(
    state: AutoscalerState,
    sample: Sample | None,
    stable_at: float,
    now: float,
    options: AutoscalerOptions,
) -> AutoscalerState:
    """Add a sample taken after stabilisation and drop those older than the window."""
    samples = state.samples
    if sample is not None and sample.time >= stable_at:
        samples = (*samples, sample)
    horizon = now - options.metrics_window
    return state.with_samples(tuple(s for s in samples if s.time >= horizon))


def restart_time(state: AutoscalerState, options: AutoscalerOptions) -> float:
    """The fixed `restart.time`, or the longest observed restart, capped by the limit."""
    if options.restart_time_tracking and state.restart_times:
        return min(max(state.restart_times), options.restart_time_limit)
    return options.restart_time


def _decide(
    state: AutoscalerState, topology: Topology, now: float, options: AutoscalerOptions
) -> Outcome:
    restart = restart_time(state, options)
    evaluations = evaluate(topology, state.samples, options, restart)
    events: list[Event] = []
    targets: dict[str, int] = {}
    pending = dict(state.pending_scale_down)
    for vertex in topology.vertices:
        if vertex.vertex_id in options.vertex_exclude_ids:
            continue
        evaluation = evaluations[vertex.vertex_id]
        rec = recommend(vertex, evaluation, options, restart)
        rec = _check_effective(rec, evaluation, state, options, events)
        targets[vertex.vertex_id] = _delay_scale_down(
            rec, pending, now, options, evaluation.constrained
        )
    state = replace(state, pending_scale_down=pending)
    changed = {vid: p for vid, p in targets.items() if p != topology.vertex(vid).parallelism}
    if not changed or not any(evaluations[vid].outside_bounds for vid in changed):
        return Outcome(state, "balanced", tuple(events), evaluations, targets)
    if not options.scaling_enabled or in_excluded_period(options.excluded_periods, now):
        return _report_only(state, topology, changed, evaluations, now, options, events)
    return _scale(state, topology, changed, evaluations, now, options, events)


def _check_effective(
    rec: Recommendation,
    evaluation: Evaluation,
    state: AutoscalerState,
    options: AutoscalerOptions,
    events: list[Event],
) -> Recommendation:
    """Block a further scale-up of a vertex whose last scale-up did not pay off."""
    if not rec.is_scale_up:
        return rec
    last = next((r for r in reversed(state.history) if r.vertex_id == rec.vertex_id), None)
    if last is None or last.new <= last.old or last.new != rec.current:
        return rec
    expected_gain = last.expected_rate - last.true_rate
    actual_gain = evaluation.true_rate - last.true_rate
    if expected_gain <= 0 or actual_gain / expected_gain >= options.effectiveness_threshold:
        return rec
    message = ineffective_message(rec.vertex_id, last, evaluation.true_rate, options)
    events.append(Event("Warning", "IneffectiveScaling", message))
    if not options.effectiveness_detection:
        return rec
    return replace(rec, parallelism=rec.current)


def _delay_scale_down(
    rec: Recommendation,
    pending: dict[str, PendingScaleDown],
    now: float,
    options: AutoscalerOptions,
    constrained: bool,
) -> int:
    """Scale down only once it has been asked for during `scale-down.interval`, to the
    highest parallelism asked for meanwhile; anything but a scale-down forgets it, and
    a constrained job (catching up, or with a bottleneck) asks for none."""
    if not rec.is_scale_down or constrained:
        pending.pop(rec.vertex_id, None)
        return rec.current if rec.is_scale_down else rec.parallelism
    earlier = pending.get(rec.vertex_id)
    if earlier is None:
        earlier = PendingScaleDown(now, rec.parallelism)
    else:
        earlier = PendingScaleDown(earlier.since, max(earlier.parallelism, rec.parallelism))
    pending[rec.vertex_id] = earlier
    if now - earlier.since >= options.scale_down_interval:
        return earlier.parallelism
    return rec.current


def _report_only(
    state: AutoscalerState,
    topology: Topology,
    changed: Mapping[str, int],
    evaluations: Mapping[str, Evaluation],
    now: float,
    options: AutoscalerOptions,
    events: list[Event],
) -> Outcome:
    """Scaling disabled or in an excluded period: say what would be done, at most once
    per `scaling.event.interval`."""
    due = state.last_report is None or now - state.last_report >= options.event_interval
    if due:
        message = scaling_message(topology, changed, evaluations, executed=False)
        events.append(Event("Normal", "ScalingReport", message))
        state = replace(state, last_report=now)
    return Outcome(state, "recommended", tuple(events), evaluations, dict(changed))


def _scale(
    state: AutoscalerState,
    topology: Topology,
    changed: Mapping[str, int],
    evaluations: Mapping[str, Evaluation],
    now: float,
    options: AutoscalerOptions,
    events: list[Event],
) -> Outcome:
    """Record the new parallelism of every changed vertex as an override."""
    records = tuple(
        ScalingRecord(
            time=now,
            vertex_id=vid,
            old=topology.vertex(vid).parallelism,
            new=p,
            true_rate=evaluations[vid].true_rate,
            expected_rate=evaluations[vid].true_rate / topology.vertex(vid).parallelism * p,
        )
        for vid, p in sorted(changed.items())
    )
    overrides = {**topology.parallelism, **state.overrides, **changed}
    pending = {k: v for k, v in state.pending_scale_down.items() if k not in changed}
    state = replace(
        state,
        samples=(),
        history=_trim(state.history + records, now, options),
        overrides={vid: overrides[vid] for vid in topology.parallelism},
        pending_scale_down=pending,
        rescaled_at=now,
    )
    events.append(
        Event("Normal", "ScalingReport", scaling_message(topology, changed, evaluations, True))
    )
    return Outcome(state, "scaled", tuple(events), evaluations, dict(changed))


def _trim(
    history: tuple[ScalingRecord, ...], now: float, options: AutoscalerOptions
) -> tuple[ScalingRecord, ...]:
    """Keep, per vertex, the newest `history.max.count` records younger than max age."""
    fresh = [r for r in history if now - r.time <= options.history_max_age]
    kept: list[ScalingRecord] = []
    for record in reversed(fresh):
        if sum(1 for k in kept if k.vertex_id == record.vertex_id) < options.history_max_count:
            kept.append(record)
    return tuple(reversed(kept))
