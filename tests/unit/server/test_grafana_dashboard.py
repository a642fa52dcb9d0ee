"""The Grafana dashboard in deploy/ names only metrics scurry exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import generate_latest

from scurry.telemetry import VERTEX_GAUGES, Metrics

DASHBOARD = Path(__file__).resolve().parents[3] / "deploy" / "grafana" / "scurry-dashboard.json"


def exported_names() -> set[str]:
    metrics = Metrics()
    metrics.job_vertex(("ns", "job", "v"), dict.fromkeys(VERTEX_GAUGES, 1.0))
    metrics.autoscaler_decision("scaled")
    metrics.reconciled("FlinkDeployment", "ok", 0.1)
    metrics.event("Scaling", "Normal")
    metrics.action("DeployCluster", "ok")
    upgrading = {
        "kind": "FlinkDeployment",
        "status": {"reconciliationStatus": {"state": "UPGRADING"}},
    }
    metrics.status_changed(upgrading, {"reconciliationStatus": {"state": "DEPLOYED"}})
    snapshot = {"kind": "FlinkStateSnapshot", "spec": {}, "status": {"state": "COMPLETED"}}
    metrics.status_changed(snapshot, {})
    text = generate_latest(metrics.registry).decode()
    samples = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1] != "#"}
    families = {line.split(" ")[2] for line in text.splitlines() if line.startswith("# TYPE")}
    return samples | families


def test_every_metric_in_the_dashboard_is_exported() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += [v["definition"] for v in dashboard["templating"]["list"] if "definition" in v]
    used = {name for e in exprs for name in re.findall(r"scurry_[a-z_]+", e)}
    assert used, "the dashboard queries nothing"
    assert used <= exported_names(), used - exported_names()
