"""The `job.autoscaler.*` options with FKO's defaults.

Every key is also read under FKO's older prefix `kubernetes.operator.job.autoscaler.*`
(the current prefix wins when both are set), and the deprecated aliases FKO still
honours are read after the current names. Durations are in seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from scurry.config.flinkconf import parse_duration

PREFIX = "job.autoscaler."
LEGACY_PREFIX = "kubernetes.operator.job.autoscaler."

# Deprecated names FKO still reads, per current name (suffixes after the prefix).
ALIASES: dict[str, tuple[str, ...]] = {
    "utilization.target": ("target.utilization",),
    "scale-down.interval": ("scale-up.grace-period",),
}


def _duration(text: str) -> float:
    return parse_duration(text)


def _fraction(text: str) -> float:
    return float(text)


def _count(text: str) -> int:
    return int(text.strip())


def _flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        raise ValueError("must be true or false")
    return lowered == "true"


def _strings(text: str) -> tuple[str, ...]:
    """A Flink list option: `a;b` (or a YAML flow list, as flattening renders lists)."""
    stripped = text.strip()
    if stripped.startswith("[") and stripped.endswith("]"):
        stripped = stripped[1:-1].replace('"', "").replace(",", ";")
    return tuple(part.strip() for part in stripped.split(";") if part.strip())


def _text(text: str) -> str:
    return text.strip()


@dataclass(frozen=True)
class Option:
    suffix: str
    parse: Callable[[str], Any]


def _opt(suffix: str, parse: Callable[[str], Any], default: Any) -> Any:
    return field(default=default, metadata={"option": Option(suffix, parse)})


@dataclass(frozen=True)
class AutoscalerOptions:
    """The effective options of one job; `from_config` reads them, FKO's defaults otherwise."""

    enabled: bool = _opt("enabled", _flag, False)
    scaling_enabled: bool = _opt("scaling.enabled", _flag, True)
    metrics_window: float = _opt("metrics.window", _duration, 900.0)
    stabilization_interval: float = _opt("stabilization.interval", _duration, 300.0)
    utilization_target: float = _opt("utilization.target", _fraction, 0.7)
    utilization_boundary: float = _opt("target.utilization.boundary", _fraction, 0.3)
    utilization_max: float | None = _opt("utilization.max", _fraction, None)
    utilization_min: float | None = _opt("utilization.min", _fraction, None)
    scale_down_interval: float = _opt("scale-down.interval", _duration, 3600.0)
    scale_down_max_factor: float = _opt("scale-down.max-factor", _fraction, 0.6)
    scale_up_max_factor: float = _opt("scale-up.max-factor", _fraction, 100000.0)
    vertex_min_parallelism: int = _opt("vertex.min-parallelism", _count, 1)
    vertex_max_parallelism: int = _opt("vertex.max-parallelism", _count, 200)
    vertex_exclude_ids: tuple[str, ...] = _opt("vertex.exclude.ids", _strings, ())
    catch_up_duration: float = _opt("catch-up.duration", _duration, 1800.0)
    restart_time: float = _opt("restart.time", _duration, 300.0)
    restart_time_tracking: bool = _opt("restart.time-tracking.enabled", _flag, False)
    restart_time_limit: float = _opt("restart.time-tracking.limit", _duration, 900.0)
    backlog_lag_threshold: float = _opt("backlog-processing.lag-threshold", _duration, 300.0)
    observed_tpr_lag_threshold: float = _opt(
        "observed-true-processing-rate.lag-threshold", _duration, 30.0
    )
    observed_tpr_switch_threshold: float = _opt(
        "observed-true-processing-rate.switch-threshold", _fraction, 0.15
    )
    observed_tpr_min_observations: int = _opt(
        "observed-true-processing-rate.min-observations", _count, 2
    )
    observed_scalability: bool = _opt("observed-scalability.enabled", _flag, False)
    observed_scalability_min_observations: int = _opt(
        "observed-scalability.min-observations", _count, 3
    )
    observed_scalability_coefficient_min: float = _opt(
        "observed-scalability.coefficient-min", _fraction, 0.5
    )
    effectiveness_detection: bool = _opt("scaling.effectiveness.detection.enabled", _flag, False)
    effectiveness_threshold: float = _opt("scaling.effectiveness.threshold", _fraction, 0.1)
    event_interval: float = _opt("scaling.event.interval", _duration, 1800.0)
    history_max_age: float = _opt("history.max.age", _duration, 86400.0)
    history_max_count: int = _opt("history.max.count", _count, 3)
    busy_time_aggregator: str = _opt("metrics.busy-time.aggregator", _text, "MAX")
    gc_pressure_threshold: float = _opt("memory.gc-pressure.threshold", _fraction, 1.0)
    heap_usage_threshold: float = _opt("memory.heap-usage.threshold", _fraction, 1.0)
    memory_tuning: bool = _opt("memory.tuning.enabled", _flag, False)
    memory_tuning_overhead: float = _opt("memory.tuning.overhead", _fraction, 0.2)
    memory_tuning_maximize_managed: bool = _opt(
        "memory.tuning.maximize-managed-memory", _flag, False
    )
    memory_tuning_scale_down_compensation: bool = _opt(
        "memory.tuning.scale-down-compensation.enabled", _flag, True
    )
    quota_cpu: float | None = _opt("quota.cpu", _fraction, None)
    quota_memory: str | None = _opt("quota.memory", _text, None)
    excluded_periods: tuple[str, ...] = _opt("excluded.periods", _strings, ())
    rest_client_timeout: float = _opt("flink.rest-client.timeout", _duration, 10.0)
    alignment_mode: str = _opt("scaling.parallelism-alignment.mode", _text, "BALANCED")

    @property
    def utilization_upper(self) -> float:
        if self.utilization_max is not None:
            return self.utilization_max
        return self.utilization_target + self.utilization_boundary

    @property
    def utilization_lower(self) -> float:
        if self.utilization_min is not None:
            return self.utilization_min
        return self.utilization_target - self.utilization_boundary

    @classmethod
    def from_config(cls, config: Mapping[str, str]) -> AutoscalerOptions:
        """Options from a flat configuration; a value that does not parse keeps the default
        (`option_errors` names it, for validation)."""
        values: dict[str, Any] = {}
        for item in fields(cls):
            option: Option = item.metadata["option"]
            raw = raw_value(config, option.suffix)
            if raw is None or not raw.strip():
                continue
            try:
                values[item.name] = option.parse(raw)
            except ValueError:
                continue
        return cls(**values)


def raw_value(config: Mapping[str, str], suffix: str) -> str | None:
    """The value of one option under its current name, its legacy prefix or an alias."""
    for name in (suffix, *ALIASES.get(suffix, ())):
        for prefix in (PREFIX, LEGACY_PREFIX):
            value = config.get(prefix + name)
            if value is not None:
                return value
    return None


def option_errors(config: Mapping[str, str]) -> list[str]:
    """Messages for autoscaler options that do not parse or are out of range."""
    errors: list[str] = []
    for item in fields(AutoscalerOptions):
        option: Option = item.metadata["option"]
        raw = raw_value(config, option.suffix)
        if raw is None or not raw.strip():
            continue
        try:
            option.parse(raw)
        except ValueError:
            errors.append(f"Invalid value for {PREFIX}{option.suffix}: {raw!r}")
    if not errors:
        errors.extend(_range_errors(AutoscalerOptions.from_config(config)))
    return errors


def _range_errors(options: AutoscalerOptions) -> list[str]:
    rules = (
        (options.utilization_target <= 0, "utilization.target", "must be greater than 0"),
        (options.utilization_target > 1, "utilization.target", "must be at most 1"),
        (not 0 <= options.utilization_lower <= 1, "utilization.min", "must be in [0, 1]"),
        (
            options.utilization_upper < options.utilization_lower,
            "utilization.max",
            "must not be below utilization.min",
        ),
        (options.vertex_min_parallelism < 1, "vertex.min-parallelism", "must be at least 1"),
        (
            options.vertex_max_parallelism < options.vertex_min_parallelism,
            "vertex.max-parallelism",
            "must not be below vertex.min-parallelism",
        ),
        (not 0 <= options.scale_down_max_factor <= 1, "scale-down.max-factor", "must be in [0, 1]"),
        (options.scale_up_max_factor < 0, "scale-up.max-factor", "must not be negative"),
        (options.metrics_window <= 0, "metrics.window", "must be positive"),
        (
            options.busy_time_aggregator.upper() not in ("MAX", "MIN", "AVG"),
            "metrics.busy-time.aggregator",
            "must be one of MAX, MIN, AVG",
        ),
    )
    return [f"{PREFIX}{key} {rule}" for broken, key, rule in rules if broken]
