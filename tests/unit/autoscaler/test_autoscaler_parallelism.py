"""New parallelism of a vertex: scale factor, clamps, limits, key-group alignment."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from scurry.autoscaler.evaluate import Evaluation
from scurry.autoscaler.options import AutoscalerOptions
from scurry.autoscaler.parallelism import recommend
from scurry.autoscaler.samples import Vertex

NO_RESTART = {"job.autoscaler.restart.time": "0 s", "job.autoscaler.catch-up.duration": "0"}


def evaluation(true_rate: float, target_rate: float, parallelism: int) -> Evaluation:
    return Evaluation(
        vertex_id="v",
        parallelism=parallelism,
        load=0.5,
        input_rate=target_rate,
        output_ratio=1.0,
        lag=0.0,
        true_rate=true_rate,
        target_rate=target_rate,
        catch_up_rate=0.0,
        scale_up_threshold=0.0,
        scale_down_threshold=math.inf,
    )


@pytest.mark.parametrize(
    ("p", "true_rate", "target", "extra", "vertex_kw", "expected"),
    [
        (2, 200, 140, {}, {}, 2),  # at target utilisation: keep
        (2, 200, 280, {}, {}, 4),  # twice the load
        (2, 200, 1400, {}, {}, 20),
        (10, 1000, 70, {}, {}, 4),  # far too many: scale down by at most 60%
        (10, 1000, 70, {"scale-down.max-factor": "0.9"}, {}, 1),
        (2, 200, 2800, {"scale-up.max-factor": "1.0"}, {}, 4),
        (2, 200, 2800, {"vertex.max-parallelism": "8"}, {}, 8),
        (2, 200, 2800, {}, {"max_parallelism": 6}, 6),
        (10, 1000, 70, {"vertex.min-parallelism": "5"}, {}, 5),
        (3, 200, 300, {}, {"keyed": True, "max_parallelism": 128}, 8),  # 6.4 -> 7 -> 8
        (3, 200, 300, {}, {"keyed": False, "max_parallelism": 128}, 7),
        (3, 200, 300, {"scaling.parallelism-alignment.mode": "NONE"}, {"keyed": True}, 7),
        (1, 100, 450, {}, {"keyed": True, "max_parallelism": 10}, 7),  # no divisor <= 5
        (1, 100, 300, {}, {"partitions": 6}, 6),  # 4.3 -> 5 -> 6 splits evenly
        (1, 100, 3000, {}, {"partitions": 6}, 6),  # never more subtasks than splits
        (4, math.inf, 0, {}, {}, 2),  # idle: down by the max factor
        (4, math.nan, 100, {}, {}, 4),  # unknown rate: keep
    ],
)
def test_recommended_parallelism(
    p: int,
    true_rate: float,
    target: float,
    extra: dict[str, str],
    vertex_kw: dict[str, object],
    expected: int,
) -> None:
    config = {**NO_RESTART, **{f"job.autoscaler.{k}": v for k, v in extra.items()}}
    options = AutoscalerOptions.from_config(config)
    vertex = replace(Vertex("v", parallelism=p, max_parallelism=128), **vertex_kw)
    rec = recommend(vertex, evaluation(true_rate, target, p), options, options.restart_time)
    assert rec.parallelism == expected


def test_expected_rate_scales_with_the_factor() -> None:
    options = AutoscalerOptions.from_config(NO_RESTART)
    rec = recommend(Vertex("v", 2, 128), evaluation(200, 280, 2), options, 0)
    assert rec.expected_rate == pytest.approx(400)
