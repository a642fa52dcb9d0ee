"""Admission refuses `job.autoscaler.*` options that do not read or fit, naming them."""

from __future__ import annotations

from typing import Any

import pytest
from serverkit import JAR, Api


def deployment(name: str, **config: str) -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": name},
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {"job.autoscaler.enabled": "true", **config},
            "job": {"jarURI": JAR, "parallelism": 1},
        },
    }


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "job.autoscaler.metrics.window",
            "soon",
            "Invalid value for job.autoscaler.metrics.window",
        ),
        ("job.autoscaler.utilization.target", "1.5", "job.autoscaler.utilization.target must be"),
        (
            "kubernetes.operator.job.autoscaler.vertex.min-parallelism",
            "0",
            "job.autoscaler.vertex.min-parallelism must be at least 1",
        ),
        ("job.autoscaler.excluded.periods", "every night", "excluded.periods: 'every night'"),
    ],
)
async def test_bad_autoscaler_options_are_refused(
    api: Api, key: str, value: str, message: str
) -> None:
    response = await api.client.post(api.path(), json=deployment("scaled", **{key: value}))
    assert response.status_code == 422
    assert message in response.json()["errors"][0]["message"]
    assert (await api.get("scaled")).status_code == 404


async def test_good_autoscaler_options_are_admitted(api: Api) -> None:
    good = deployment("scaled", **{"job.autoscaler.excluded.periods": "01:00:00-02:00:00"})
    response = await api.client.post(api.path(), json=good)
    assert response.status_code == 201
