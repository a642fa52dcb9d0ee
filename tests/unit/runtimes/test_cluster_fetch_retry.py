"""An application cluster whose remote jar does not come: pending, retried, then failed.

The cluster's submission step runs against the fake Flink REST server; the
fetcher fails as told (transiently, or for good) before it delivers the jar.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from scurry.errors import ArtifactError
from scurry.models.cluster import (
    ClusterRef,
    ClusterSpec,
    ComponentResources,
    JobLaunch,
    JobManagerState,
    Owner,
    SubmissionState,
)
from scurry.runtimes.fetch import ArtifactFetcher, ArtifactUnavailable, cache_path
from scurry.runtimes.local.artifacts import ArtifactResolver
from scurry.runtimes.local.cluster import FETCH_PASSES, LocalCluster
from scurry.runtimes.local.flinkdist import FlinkDist
from scurry.runtimes.local.layout import ClusterDir, ClusterState
from scurry.testing.fake_flink import FakeFlinkCluster

JAR_URI = "https://artifacts.example/app.jar"
JOB_ID = "b" * 32
UNAVAILABLE = f"jarURI {JAR_URI}: connection refused after 3 attempts"


class FlakyFetcher(ArtifactFetcher):
    """Fails `failures` times with `error`, then writes the jar where the real one would."""

    def __init__(self, failures: int, error: ArtifactError) -> None:
        super().__init__()
        self.failures, self.error, self.calls = failures, error, 0

    async def fetch(
        self,
        uri: str,
        cache_dir: Path,
        *,
        headers: Mapping[str, str] | None = None,
        label: str = "jarURI",
    ) -> Path:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        target = cache_path(uri, cache_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"PK\x03\x04")
        return target


def app_spec() -> ClusterSpec:
    memory = ComponentResources(memory_bytes=1 << 30)
    return ClusterSpec(
        ref=ClusterRef(namespace="default", name="app"),
        owner=Owner(
            api_version="flink.apache.org/v1beta1", kind="FlinkDeployment", name="app", uid="u"
        ),
        generation=1,
        token="t1",
        flink_version="v2_2",
        flink_config={},
        job_manager=memory,
        task_manager=memory,
        job=JobLaunch(jar_uri=JAR_URI, entry_class="com.example.Job", parallelism=1, job_id=JOB_ID),
    )


def make_cluster(tmp_path: Path, fetcher: ArtifactFetcher, flink: FakeFlinkCluster) -> LocalCluster:
    cdir = ClusterDir(tmp_path / "clusters", ClusterRef(namespace="default", name="app"))
    cdir.create()
    state = ClusterState(
        spec=app_spec(),
        ports={"rest": 8081},
        jm_state=JobManagerState.READY,
        submission=SubmissionState.PENDING,
    )
    dist = FlinkDist(tmp_path / "flink")
    resolver = ArtifactResolver(dist, tmp_path / "usrlib", fetcher)
    return LocalCluster(cdir, state, dist, "java", flink.client, resolver, lambda: None)


async def submit_pass(cluster: LocalCluster, flink: FakeFlinkCluster) -> None:
    api = flink.client()
    try:
        await cluster._submit_job(api)
    finally:
        await api.close()


@pytest.fixture
def flink() -> FakeFlinkCluster:
    return FakeFlinkCluster()


async def test_a_transient_fetch_failure_stays_pending_and_is_retried(
    tmp_path: Path, flink: FakeFlinkCluster
) -> None:
    fetcher = FlakyFetcher(2, ArtifactUnavailable(UNAVAILABLE))
    cluster = make_cluster(tmp_path, fetcher, flink)
    await submit_pass(cluster, flink)
    assert cluster.state.submission is SubmissionState.PENDING
    assert cluster.state.message == f"{UNAVAILABLE} (will retry, pass 1 of {FETCH_PASSES})"
    assert cluster.cdir.read_state().message == cluster.state.message  # on disk too

    await submit_pass(cluster, flink)  # too soon: the pass backs off without fetching
    assert fetcher.calls == 1

    cluster._fetch_retry_at = 0.0
    await submit_pass(cluster, flink)
    assert cluster.state.message == f"{UNAVAILABLE} (will retry, pass 2 of {FETCH_PASSES})"
    cluster._fetch_retry_at = 0.0
    await submit_pass(cluster, flink)
    assert cluster.state.submission is SubmissionState.SUBMITTED
    assert cluster.state.message is None
    assert JOB_ID in flink.jobs


async def test_a_fetch_that_keeps_failing_gives_up_after_a_few_passes(
    tmp_path: Path, flink: FakeFlinkCluster
) -> None:
    fetcher = FlakyFetcher(100, ArtifactUnavailable(UNAVAILABLE))
    cluster = make_cluster(tmp_path, fetcher, flink)
    for _ in range(FETCH_PASSES):
        assert cluster.state.submission is SubmissionState.PENDING
        cluster._fetch_retry_at = 0.0
        await submit_pass(cluster, flink)
    assert cluster.state.submission is SubmissionState.FAILED
    assert cluster.state.message == (
        f"{UNAVAILABLE} (gave up after {FETCH_PASSES} submission passes)"
    )
    assert fetcher.calls == FETCH_PASSES


async def test_a_permanent_fetch_failure_fails_the_submission_at_once(
    tmp_path: Path, flink: FakeFlinkCluster
) -> None:
    message = f"jarURI {JAR_URI}: HTTP 404"
    cluster = make_cluster(tmp_path, FlakyFetcher(100, ArtifactError(message)), flink)
    await submit_pass(cluster, flink)
    assert cluster.state.submission is SubmissionState.FAILED
    assert cluster.state.message == message
