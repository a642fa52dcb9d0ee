"""Flink's own Prometheus reporter on a local session cluster, opted into with Flink's
keys: the JobManager and the TaskManager each serve their metrics on one of the ports
the runtime allocated from scurry's range and listed in the reporter's port option."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from flinkkit import ControlPlane, wait_for

pytestmark = pytest.mark.flink

NAME = "metered"
FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
MANIFEST = f"""
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: {NAME}
spec:
  flinkVersion: v2_3
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: "1"
    metrics.reporter.prom.factory.class: {FACTORY}
  jobManager:
    resources:
      requests: {{memory: "1024m", cpu: "0.5"}}
  taskManager:
    replicas: 1
    resources:
      requests: {{memory: "1280m", cpu: "1"}}
"""


def scrape(port: int) -> str | None:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    except httpx.HTTPError:
        return None
    return response.text if response.status_code == 200 else None


def test_jobmanager_and_taskmanager_serve_their_metrics(
    control_plane: ControlPlane, tmp_path: Path
) -> None:
    plane = control_plane
    manifest = tmp_path / "metered.yaml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    assert plane.cli("apply", "-f", str(manifest)) == 0
    try:
        wait_for(
            "the JobManager",
            lambda: plane.status(NAME).get("jobManagerDeploymentStatus") == "READY",
            300,
        )
        ports = plane.cluster_state(NAME)["ports"]
        reporter = sorted(port for key, port in ports.items() if key.startswith("metrics-prom-"))
        assert len(reporter) == 2  # the JobManager and one TaskManager

        def both_roles() -> str | None:
            text = "".join(scrape(port) or "" for port in reporter)
            roles = "flink_jobmanager_" in text and "flink_taskmanager_" in text
            return text if roles else None

        wait_for("both roles' metrics", both_roles, 120)
    finally:
        assert plane.cli("delete", "-f", str(manifest), "--wait", "--timeout", "3m") == 0
