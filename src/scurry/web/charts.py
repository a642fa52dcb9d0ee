"""Small inline SVG charts, and the samples they draw (kept in memory per vertex)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

WIDTH, HEIGHT = 160, 36
KEPT = 60  # samples per series: a few minutes at the page's refresh rate


@dataclass
class Series:
    """The latest values of one measurement (oldest first)."""

    values: deque[float] = field(default_factory=lambda: deque(maxlen=KEPT))

    def add(self, value: float) -> None:
        self.values.append(value)


@dataclass
class Samples:
    """Series by key, as the live view polls; the oldest keys go past `limit`."""

    limit: int = 500
    series: dict[tuple[str, ...], Series] = field(default_factory=dict)

    def add(self, key: tuple[str, ...], value: float) -> Series:
        found = self.series.pop(key, None) or Series()
        self.series[key] = found  # most recently used last
        while len(self.series) > self.limit:
            self.series.pop(next(iter(self.series)))
        found.add(value)
        return found


def sparkline(values: list[float], ceiling: float | None = None) -> str:
    """A polyline over `values` scaled to the chart (the top is `ceiling` or the largest)."""
    if not values:
        return ""
    top = ceiling if ceiling else max(max(values), 1e-9)
    step = WIDTH / max(len(values) - 1, 1)
    points = " ".join(
        f"{i * step:.1f},{HEIGHT - min(v / top, 1.0) * (HEIGHT - 2) - 1:.1f}"
        for i, v in enumerate(values)
    )
    return points
