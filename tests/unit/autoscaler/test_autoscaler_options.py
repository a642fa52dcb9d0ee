"""`job.autoscaler.*` options: FKO's defaults, the legacy prefix, aliases, bad values."""

from __future__ import annotations

import pytest

from scurry.autoscaler.options import AutoscalerOptions, option_errors


def test_defaults_are_fkos() -> None:
    options = AutoscalerOptions.from_config({})
    assert options.enabled is False
    assert options.scaling_enabled is True
    assert options.metrics_window == 900
    assert options.stabilization_interval == 300
    assert options.utilization_target == 0.7
    assert (options.utilization_lower, options.utilization_upper) == pytest.approx((0.4, 1.0))
    assert options.scale_down_interval == 3600
    assert options.scale_down_max_factor == 0.6
    assert options.scale_up_max_factor == 100000.0
    assert (options.vertex_min_parallelism, options.vertex_max_parallelism) == (1, 200)
    assert options.catch_up_duration == 1800
    assert options.restart_time == 300
    assert options.backlog_lag_threshold == 300
    assert options.effectiveness_detection is False
    assert options.effectiveness_threshold == 0.1
    assert options.history_max_count == 3
    assert options.memory_tuning is False
    assert options.alignment_mode == "BALANCED"


@pytest.mark.parametrize(
    ("config", "attribute", "expected"),
    [
        ({"job.autoscaler.enabled": "true"}, "enabled", True),
        ({"kubernetes.operator.job.autoscaler.enabled": "true"}, "enabled", True),
        (
            {
                "job.autoscaler.metrics.window": "1 min",
                "kubernetes.operator.job.autoscaler.metrics.window": "2 min",
            },
            "metrics_window",
            60.0,
        ),
        ({"job.autoscaler.target.utilization": "0.5"}, "utilization_target", 0.5),
        ({"job.autoscaler.scale-up.grace-period": "10 min"}, "scale_down_interval", 600.0),
        ({"job.autoscaler.utilization.max": "0.9"}, "utilization_upper", 0.9),
        ({"job.autoscaler.utilization.min": "0.2"}, "utilization_lower", 0.2),
        ({"job.autoscaler.vertex.exclude.ids": "a;b"}, "vertex_exclude_ids", ("a", "b")),
        ({"job.autoscaler.vertex.exclude.ids": '["a", "b"]'}, "vertex_exclude_ids", ("a", "b")),
        ({"job.autoscaler.catch-up.duration": "0"}, "catch_up_duration", 0.0),
    ],
)
def test_keys_prefixes_and_aliases(
    config: dict[str, str], attribute: str, expected: object
) -> None:
    assert getattr(AutoscalerOptions.from_config(config), attribute) == expected


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"job.autoscaler.metrics.window": "soon"}, "job.autoscaler.metrics.window"),
        ({"job.autoscaler.enabled": "yes"}, "job.autoscaler.enabled"),
        ({"job.autoscaler.utilization.target": "0"}, "utilization.target must be greater"),
        ({"job.autoscaler.utilization.target": "1.5"}, "utilization.target must be at most 1"),
        ({"job.autoscaler.vertex.min-parallelism": "0"}, "vertex.min-parallelism"),
        ({"job.autoscaler.scale-down.max-factor": "2"}, "scale-down.max-factor"),
        ({"job.autoscaler.metrics.busy-time.aggregator": "P99"}, "busy-time.aggregator"),
    ],
)
def test_bad_values_are_named_and_keep_defaults(config: dict[str, str], fragment: str) -> None:
    errors = option_errors(config)
    assert any(fragment in error for error in errors), errors
    assert AutoscalerOptions.from_config({**config, "job.autoscaler.enabled": "true"}).enabled


def test_good_config_has_no_errors() -> None:
    assert (
        option_errors({"job.autoscaler.enabled": "true", "job.autoscaler.metrics.window": "5m"})
        == []
    )
