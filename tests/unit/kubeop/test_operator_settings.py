"""`scurry operator` from its settings (as the Helm chart sets them) and a kubeconfig."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml
from kubeopkit import Cluster, until

from scurry.config.settings import Settings
from scurry.operator.kubeop.main import build_operator
from scurry.testing.kube import FakeKubernetes, find
from scurry.testing.kube.operators import OperatorThread


def kubeconfig(path: Path, server: str) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fake", "cluster": {"server": server}}],
        "users": [{"name": "user", "user": {"token": "not-checked"}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "user"}}],
        "current-context": "fake",
    }
    path.write_text(yaml.safe_dump(config))
    return path


def test_the_operator_runs_from_its_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeKubernetes() as kube:
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig(tmp_path / "config", kube.url)))
        monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
        settings = Settings(
            home=tmp_path / "home",
            watch_namespaces="team-a, team-b",
            operator_namespace="scurry-system",
            pod_name="scurry-operator-7d9f-x2",
            operator_probe_port=0,
            kubernetes_rest_url="http://{name}-rest.{namespace}:{port}",
        )
        replica = OperatorThread(lambda: build_operator(settings)).start()
        try:
            assert replica.call(lambda op: op.options.namespaces) == ["team-a", "team-b"]
            until(replica.leading, "the replica leads")
            (lease,) = find(kube, "Lease", "scurry-system")
            assert lease["spec"]["holderIdentity"] == "scurry-operator-7d9f-x2"

            Cluster(kube).apply("inside", namespace="team-b")
            until(lambda: find(kube, "Deployment", "team-b"), "the runtime creates Deployments")

            port = replica.call(lambda op: op.probe_port)
            metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
            assert "scurry_controller_leader 1.0" in metrics
            assert 'scurry_resources{kind="FlinkDeployment",lifecycle_state=' in metrics
            assert 'namespace="team-b"} 1.0' in metrics
        finally:
            replica.stop()
