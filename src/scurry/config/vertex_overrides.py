"""`pipeline.jobvertex-parallelism-overrides`: per-vertex parallelism as Flink reads it.

Written by the autoscaler (or by hand), read by the controller to size the cluster.
"""

from __future__ import annotations

from collections.abc import Mapping

VERTEX_OVERRIDES = "pipeline.jobvertex-parallelism-overrides"


def format_overrides(overrides: Mapping[str, int]) -> str:
    """`vid:p,vid:p`, sorted by vertex id so equal overrides read equal."""
    return ",".join(f"{vid}:{p}" for vid, p in sorted(overrides.items()))


def parse_overrides(text: str | None) -> dict[str, int]:
    """The inverse of `format_overrides`; entries that do not read are skipped."""
    result: dict[str, int] = {}
    for entry in (text or "").split(","):
        vid, sep, value = entry.strip().partition(":")
        if sep and vid and value.strip().isdigit():
            result[vid.strip()] = int(value)
    return result


def max_override(config: Mapping[str, str]) -> int:
    """The highest parallelism the overrides in `config` ask of any vertex; 0 without any."""
    return max(parse_overrides(config.get(VERTEX_OVERRIDES)).values(), default=0)
