"""A simulated streaming pipeline with known true rates, for the autoscaler's tests and
benchmark: a chain of vertices fed by a source with an external backlog.

Each subtask of a vertex processes at most `rate` records per second (scaling is
linear); throughput is whatever the slowest vertex allows, the rest is backlog.
Busy and backpressured time follow from that, as Flink would report them. A rescale
takes the job down for `restart_seconds`, during which the backlog grows.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from scurry.autoscaler.decide import JobView, Outcome, autoscale
from scurry.autoscaler.options import AutoscalerOptions
from scurry.autoscaler.samples import Sample, Topology, Vertex, VertexMetrics
from scurry.autoscaler.state import AutoscalerState

Load = Callable[[float], float]


@dataclass(frozen=True)
class SimVertex:
    vertex_id: str
    rate: float  # records/s one subtask handles at full load
    ratio: float = 1.0  # records out per record in
    parallelism: int = 1
    max_parallelism: int = 128
    keyed: bool = False


@dataclass
class SimPipeline:
    vertices: list[SimVertex]
    load: Load
    reports_pending: bool = True
    restart_seconds: float = 10.0
    noise: float = 0.0
    seed: int = 0
    parallelism: dict[str, int] = field(default_factory=dict)
    backlog: float = 0.0
    down_until: float = 0.0
    running_since: float = 0.0
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        if not self.parallelism:
            self.parallelism = {v.vertex_id: v.parallelism for v in self.vertices}

    def topology(self) -> Topology:
        chain = []
        previous: tuple[str, ...] = ()
        for v in self.vertices:
            chain.append(
                Vertex(
                    vertex_id=v.vertex_id,
                    parallelism=self.parallelism[v.vertex_id],
                    max_parallelism=v.max_parallelism,
                    inputs=previous,
                    keyed=v.keyed,
                    name=v.vertex_id,
                )
            )
            previous = (v.vertex_id,)
        return Topology(tuple(chain))

    def fan_in(self) -> list[float]:
        """Records reaching each vertex per source record."""
        factors, factor = [], 1.0
        for v in self.vertices:
            factors.append(factor)
            factor *= v.ratio
        return factors

    def capacity(self) -> float:
        """The source records per second the pipeline can take now."""
        return min(
            self.parallelism[v.vertex_id] * v.rate / f
            for v, f in zip(self.vertices, self.fan_in(), strict=True)
        )

    def ideal(self, offered: float) -> dict[str, int]:
        """The least parallelism per vertex that keeps up with `offered` records/s."""
        return {
            v.vertex_id: max(1, math.ceil(offered * f / v.rate - 1e-9))
            for v, f in zip(self.vertices, self.fan_in(), strict=True)
        }

    def step(self, now: float, dt: float) -> Sample:
        """Advance by `dt` seconds ending at `now`; the metrics of that interval."""
        offered = self.load(now) * (1 + self._random.uniform(-self.noise, self.noise))
        if now <= self.down_until:
            self.backlog += offered * dt
            return Sample(now, {})
        throughput = min(offered + self.backlog / dt, self.capacity())
        self.backlog = max(0.0, self.backlog + (offered - throughput) * dt)
        return Sample(now, self._metrics(throughput))

    def _metrics(self, throughput: float) -> dict[str, VertexMetrics]:
        metrics = {}
        loads = []
        for v, f in zip(self.vertices, self.fan_in(), strict=True):
            consumed = throughput * f
            loads.append(min(1.0, consumed / (self.parallelism[v.vertex_id] * v.rate)))
        # Vertices upstream of the bottleneck wait on it: that is backpressure.
        bottleneck = max(range(len(loads)), key=lambda i: (loads[i] >= 0.999, i))
        limited = loads[bottleneck] >= 0.999
        for i, (v, f) in enumerate(zip(self.vertices, self.fan_in(), strict=True)):
            consumed = throughput * f
            waiting = 1000 * (1 - loads[i]) if limited and i < bottleneck else 0.0
            metrics[v.vertex_id] = VertexMetrics(
                busy_ms=1000 * loads[i],
                backpressured_ms=waiting,
                records_in=consumed,
                records_out=consumed * v.ratio,
                pending_records=self.backlog if (i == 0 and self.reports_pending) else None,
            )
        return metrics

    def rescale(self, overrides: Mapping[str, int], now: float) -> None:
        changed = {k: p for k, p in overrides.items() if self.parallelism.get(k) != p}
        if not changed:
            return
        self.parallelism.update(changed)
        self.down_until = now + self.restart_seconds
        self.running_since = self.down_until


@dataclass(frozen=True)
class Step:
    time: float
    outcome: Outcome
    parallelism: dict[str, int]
    backlog: float
    offered: float


def run(
    pipeline: SimPipeline,
    options: AutoscalerOptions,
    duration: float,
    interval: float = 10.0,
    start: float = 1_000_000.0,
) -> list[Step]:
    """Drive the autoscaler against the pipeline every `interval` seconds."""
    pipeline.running_since = start
    state = AutoscalerState()
    steps = []
    now = start
    while now < start + duration:
        now += interval
        sample = pipeline.step(now, interval)
        running = None if now <= pipeline.down_until else pipeline.running_since
        job = JobView(pipeline.topology(), running)
        outcome = autoscale(state, job, sample if sample.vertices else None, now, options)
        state = outcome.state
        if outcome.result == "scaled":
            pipeline.rescale(outcome.overrides, now)
        steps.append(
            Step(now, outcome, dict(pipeline.parallelism), pipeline.backlog, pipeline.load(now))
        )
    return steps


def options_for_tests(**overrides: str) -> AutoscalerOptions:
    """FKO's defaults with the short windows a simulation or test can afford."""
    config = {
        "job.autoscaler.enabled": "true",
        "job.autoscaler.metrics.window": "3 min",
        "job.autoscaler.stabilization.interval": "1 min",
        "job.autoscaler.scale-down.interval": "5 min",
        "job.autoscaler.restart.time": "30 s",
        "job.autoscaler.catch-up.duration": "5 min",
    }
    config.update({f"job.autoscaler.{k}": v for k, v in overrides.items()})
    return AutoscalerOptions.from_config(config)
