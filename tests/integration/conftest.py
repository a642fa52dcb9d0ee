"""Real Flink from the wheels behind a real control plane, shared by the tests here.

One `scurry server` process (API + controller + local runtime) runs for the
session on its own port, data directory and Flink port range; each test uses
its own FlinkDeployment. At the end every JVM started under the data
directory is killed by PID, whatever happened in the tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flinkkit import EXAMPLES, ControlPlane, flink_pids, free_port, kill_all, port_window

from scurry.testing.seaweed import SeaweedS3, running_seaweed, weed_binary


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3 | None]:
    """A real S3 endpoint (SeaweedFS on loopback) for remote artifacts, if weed is installed."""
    if weed_binary() is None:
        yield None
        return
    with running_seaweed(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


@pytest.fixture(scope="session")
def control_plane(
    tmp_path_factory: pytest.TempPathFactory, s3: SeaweedS3 | None
) -> Iterator[ControlPlane]:
    pytest.importorskip("pyflink", reason="the local runtime needs the apache-flink wheels")
    home = tmp_path_factory.mktemp("scurry-home")
    usrlib = home / "usrlib"
    usrlib.mkdir()
    shutil.copy(EXAMPLES / "python_streaming.py", usrlib)
    plane = ControlPlane(home=home, port=free_port(), port_range=port_window())
    if s3 is not None:
        plane.extra_env.update(
            SCURRY_S3_ENDPOINT=s3.endpoint,
            SCURRY_S3_REGION=s3.region,
            SCURRY_S3_ACCESS_KEY=s3.access_key,
            SCURRY_S3_SECRET_KEY=s3.secret_key,
        )
    try:
        plane.start()
        yield plane
    finally:
        plane.stop()
        kill_all(flink_pids(home))
        if os.environ.get("SCURRY_TEST_ARTIFACTS"):
            target = Path(os.environ["SCURRY_TEST_ARTIFACTS"]) / "integration"
            shutil.copytree(
                home, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.jar")
            )
