"""The autoscaler on a simulated pipeline with known true rates, under load steps.

A chain source -> keyed map -> sink (2000, 300 and 1000 records/s per subtask) takes
load steps 500 -> 2000 -> 6000 -> 1000 -> 3000 records/s, each held for two hours;
a rescale costs 30 s of downtime. For each policy, per load step: the rescales it
took to converge (the last rescale of the step that left the job keeping up), and
over the whole run: mean provisioning (subtasks run / the least that keep up at full
load) and the share of time with more than a minute of input in backlog.

Policies: (a) a naive baseline that scales the whole job by the lag ratio
(offered / processed) once per window, and never down; (b) the algorithm with FKO's
default settings; (b') the same with a source that reports no `pendingRecords`.
scurry's defaults are FKO's, so (b) is also (c).
DS2, the anchor in the literature, converges in at most three steps.

    .venv/bin/python bench/autoscaler.py
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from scurry.autoscaler.decide import Outcome
from scurry.autoscaler.options import AutoscalerOptions
from scurry.autoscaler.state import AutoscalerState
from scurry.testing.pipeline_sim import SimPipeline, SimVertex, Step, run

PHASE = 2 * 3600.0
LEVELS = (500.0, 2000.0, 6000.0, 1000.0, 3000.0)
START = 1_000_000.0
INTERVAL = 10.0
RESTART = 30.0


def load(t: float) -> float:
    phase = min(int((t - START) // PHASE), len(LEVELS) - 1)
    return LEVELS[max(phase, 0)]


def vertices() -> list[SimVertex]:
    return [
        SimVertex("source", 2000.0),
        SimVertex("map", 300.0, keyed=True),
        SimVertex("sink", 1000.0),
    ]


@dataclass(frozen=True)
class Result:
    name: str
    decisions: list[int]
    converged: list[bool]
    provisioning: float
    lagging: float


def summarize(name: str, pipeline: SimPipeline, steps: Sequence[Step]) -> Result:
    decisions, converged = [], []
    for phase in range(len(LEVELS)):
        begin, end = START + phase * PHASE, START + (phase + 1) * PHASE
        inside = [s for s in steps if begin <= s.time < end]
        changes = sum(1 for a, b in itertools.pairwise(inside) if a.parallelism != b.parallelism)
        decisions.append(changes)
        last = inside[-1]
        keeps_up = (
            _capacity(pipeline, last.parallelism) >= last.offered
            and last.backlog < 60 * last.offered
        )
        converged.append(keeps_up)
    ratios = [sum(s.parallelism.values()) / sum(pipeline.ideal(s.offered).values()) for s in steps]
    lagging = sum(1 for s in steps if s.backlog > 60 * s.offered) / len(steps)
    return Result(name, decisions, converged, sum(ratios) / len(ratios), lagging)


def _capacity(pipeline: SimPipeline, parallelism: dict[str, int]) -> float:
    return min(
        parallelism[v.vertex_id] * v.rate / f
        for v, f in zip(pipeline.vertices, pipeline.fan_in(), strict=True)
    )


def run_algorithm(name: str, config: dict[str, str], pending: bool = True) -> Result:
    pipeline = SimPipeline(vertices(), load, reports_pending=pending, restart_seconds=RESTART)
    options = AutoscalerOptions.from_config({"job.autoscaler.enabled": "true", **config})
    steps = run(pipeline, options, PHASE * len(LEVELS), INTERVAL, START)
    return summarize(name, pipeline, steps)


def run_naive(window: float = 900.0) -> Result:
    """Scale every vertex by offered/processed once per window when the backlog grows."""
    pipeline = SimPipeline(vertices(), load, restart_seconds=RESTART)
    steps: list[Step] = []
    now, last_decision, backlog_then = START, START, 0.0
    idle = Outcome(AutoscalerState(), "naive")
    while now < START + PHASE * len(LEVELS):
        now += INTERVAL
        pipeline.step(now, INTERVAL)
        if now - last_decision >= window and now > pipeline.down_until:
            growth = (pipeline.backlog - backlog_then) / (now - last_decision)
            processed = pipeline.load(now) - growth
            if growth > 0 and processed > 0:
                factor = pipeline.load(now) / processed
                scaled = {k: max(1, math.ceil(p * factor)) for k, p in pipeline.parallelism.items()}
                pipeline.rescale(scaled, now)
            last_decision, backlog_then = now, pipeline.backlog
        steps.append(
            Step(now, idle, dict(pipeline.parallelism), pipeline.backlog, pipeline.load(now))
        )
    return summarize("(a) naive: whole job x lag ratio", pipeline, steps)


def table(results: Sequence[Result]) -> str:
    header = (
        f"{'policy':<44} {'rescales per step':<22} {'converged':<12} {'prov.':>6} {'lagging':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        decisions = " ".join(str(d) for d in r.decisions)
        converged = "".join("y" if c else "n" for c in r.converged)
        lines.append(
            f"{r.name:<44} {decisions:<22} {converged:<12} {r.provisioning:>6.2f} {r.lagging:>7.1%}"
        )
    return "\n".join(lines)


def main() -> None:
    print(__doc__.split("\n\n")[0])
    levels = ", ".join(f"{x:.0f}" for x in LEVELS)
    print(f"load steps (records/s, {PHASE / 3600:.0f} h each): {levels}")
    results = [
        run_naive(),
        run_algorithm("(b) FKO defaults", {}),
        run_algorithm("(b') FKO defaults, no pendingRecords", {}, pending=False),
    ]
    print(table(results))
    print("prov. = mean of (subtasks run / least subtasks keeping up at full load)")
    print("lagging = share of time with more than 60 s of input in backlog")


if __name__ == "__main__":
    main()
