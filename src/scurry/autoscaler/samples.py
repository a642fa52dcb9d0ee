"""What the autoscaler is given: the job's topology and metric samples per job vertex.

The collector (outside this package) turns Flink's REST metrics into these; the
algorithm never sees where they came from. Rates are per second, busy and
backpressured time in milliseconds per second (0..1000), as Flink reports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Vertex:
    """One job vertex: its inputs (upstream vertex ids) and how it may be scaled.

    `keyed` says an input is hash-partitioned (parallelism is then aligned to the key
    groups); `partitions` is a source's number of splits when it reports one.
    """

    vertex_id: str
    parallelism: int
    max_parallelism: int
    inputs: tuple[str, ...] = ()
    keyed: bool = False
    partitions: int | None = None
    name: str = ""

    @property
    def is_source(self) -> bool:
        return not self.inputs


@dataclass(frozen=True)
class Topology:
    """Vertices in topological order (sources first)."""

    vertices: tuple[Vertex, ...]

    def vertex(self, vertex_id: str) -> Vertex:
        for vertex in self.vertices:
            if vertex.vertex_id == vertex_id:
                return vertex
        raise KeyError(vertex_id)

    @property
    def parallelism(self) -> dict[str, int]:
        return {v.vertex_id: v.parallelism for v in self.vertices}

    def outputs(self, vertex_id: str) -> tuple[str, ...]:
        return tuple(v.vertex_id for v in self.vertices if vertex_id in v.inputs)


@dataclass(frozen=True)
class VertexMetrics:
    """One vertex at one instant.

    `records_in` is what the vertex consumed per second (for a source: what it
    emitted, since it consumes from outside), `records_out` what it emitted; a source's
    `pending_records` is its backlog, None when the source does not report one.
    """

    busy_ms: float
    backpressured_ms: float
    records_in: float
    records_out: float
    pending_records: float | None = None

    @property
    def load(self) -> float:
        return self.busy_ms / 1000.0


@dataclass(frozen=True)
class Sample:
    """Metrics of every vertex at `time` (seconds since the epoch)."""

    time: float
    vertices: Mapping[str, VertexMetrics] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "vertices": {
                vid: [m.busy_ms, m.backpressured_ms, m.records_in, m.records_out, m.pending_records]
                for vid, m in self.vertices.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sample:
        vertices = {
            vid: VertexMetrics(*values) for vid, values in dict(data.get("vertices", {})).items()
        }
        return cls(time=float(data["time"]), vertices=vertices)
