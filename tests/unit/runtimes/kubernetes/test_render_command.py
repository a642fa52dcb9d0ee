"""`scurry render`: FKO's own example manifests become valid Kubernetes objects, offline."""

from __future__ import annotations

import io
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from referencekit import reference_path
from scurry.__main__ import main

_ROOT = reference_path("fko-examples")
EXAMPLES = (
    sorted(str(p.relative_to(_ROOT)) for p in _ROOT.rglob("*.yaml")) if _ROOT.is_dir() else []
)
DEPLOYMENT = """
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: basic}
spec:
  image: flink:2.2
  flinkVersion: v2_2
  serviceAccount: flink
  jobManager: {resource: {memory: 1024m, cpu: 1}}
  taskManager: {resource: {memory: 1024m, cpu: 1}}
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["render", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.skipif(not EXAMPLES, reason="the reference material is not here")
@pytest.mark.parametrize("example", EXAMPLES)
def test_fko_example_renders_valid_kubernetes_objects(
    example: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _ROOT / example
    code, out, err = run(capsys, "-f", str(path))
    assert code == 0, err
    objects = [obj for obj in yaml.safe_load_all(out) if obj]
    deployments = [
        d for d in yaml.safe_load_all(path.read_text()) if d and d.get("kind") == "FlinkDeployment"
    ]
    canary = any(
        (d["metadata"].get("labels") or {}).get("flink.apache.org/canary") for d in deployments
    )
    suspended = all(
        ((d.get("spec") or {}).get("job") or {}).get("state") == "suspended" for d in deployments
    )
    if deployments and not canary and not suspended:
        kinds = [obj["kind"] for obj in objects]
        assert kinds.count("Deployment") == 2 * len(deployments)
        assert "ConfigMap" in kinds
        assert "Service" in kinds
    for obj in objects:
        kubernetes_validate.validate(obj, "1.32", strict=True)


def test_namespace_option_and_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(DEPLOYMENT))
    code, out, _ = run(capsys, "-f", "-", "-n", "analytics")
    assert code == 0
    objects = list(yaml.safe_load_all(out))
    assert {obj["metadata"]["namespace"] for obj in objects} == {"analytics"}
    # Multi-line files stay readable blocks, as a reviewer would want them in a diff.
    assert "config.yaml: |" in out


def test_bad_input_is_a_clear_error_and_no_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "-f", str(tmp_path / "missing.yaml"))
    assert code != 0
    assert out == ""
    assert "missing.yaml" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        DEPLOYMENT.replace("memory: 1024m, cpu: 1}}\n", "memory: 1024m, cpu: 1}, replicas: 0}\n")
    )
    code, out, err = run(capsys, "-f", str(bad))
    assert code != 0
    assert out == ""
    assert "JobManager replicas should not be configured less than one" in err


def test_blue_green_deployments_are_not_supported_yet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "bg.yaml"
    manifest.write_text(
        "apiVersion: flink.apache.org/v1beta1\nkind: FlinkBlueGreenDeployment\n"
        "metadata: {name: bg}\nspec: {}\n"
    )
    code, out, err = run(capsys, "-f", str(manifest))
    assert code != 0
    assert out == ""
    assert "FlinkBlueGreenDeployment" in err
    assert "not supported yet" in err
