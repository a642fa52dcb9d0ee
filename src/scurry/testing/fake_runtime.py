"""A fake runtime that behaves like the local one, with a fake JobManager per cluster.

`apply` creates a cluster whose JobManager becomes READY after `startup_polls`
observations and then runs the application's job in a `FakeFlinkCluster`, as
the local runtime submits it. Tests break things on purpose with
`lose_job_manager`, `fail_start` and `fail_next_apply`, and read what happened
from `clusters`, `applied` and `deleted`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scurry.errors import ArtifactError, NotFound, ScurryError
from scurry.models.cluster import (
    ClusterObservation,
    ClusterRef,
    ClusterSpec,
    JobLaunch,
    JobManagerState,
    PreparedJob,
    SubmissionState,
)
from scurry.ports import FlinkApi
from scurry.testing.fake_flink import FakeFlinkCluster

FAKE_DOMAIN = "fake-flink.invalid"


@dataclass
class FakeCluster:
    spec: ClusterSpec
    flink: FakeFlinkCluster
    polls_left: int
    job_manager: JobManagerState = JobManagerState.STARTING
    submission: SubmissionState = SubmissionState.NONE
    message: str | None = None

    @property
    def url(self) -> str:
        return f"http://{self.spec.ref.name}.{self.spec.ref.namespace}.{FAKE_DOMAIN}"


@dataclass
class FakeRuntime:
    startup_polls: int = 1
    clusters: dict[ClusterRef, FakeCluster] = field(default_factory=dict)
    applied: list[ClusterSpec] = field(default_factory=list)
    deleted: list[ClusterRef] = field(default_factory=list)
    missing_artifacts: set[str] = field(default_factory=set)
    fail_next_apply: ScurryError | None = None
    fail_start: set[ClusterRef] = field(default_factory=set)
    retained: dict[str, str] = field(default_factory=dict)  # job id -> checkpoint kept on disk
    disposed: list[str] = field(default_factory=list)
    name: str = "fake"
    needs_resolved_env: bool = True
    _callbacks: list[Callable[[ClusterRef], None]] = field(default_factory=list)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def on_change(self, callback: Callable[[ClusterRef], None]) -> None:
        self._callbacks.append(callback)

    def defaults(self, ref: ClusterRef) -> dict[str, str]:
        base = f"file:///fake/{ref.namespace}/{ref.name}"
        return {
            "execution.checkpointing.dir": f"{base}/checkpoints",
            "execution.checkpointing.savepoint-dir": f"{base}/savepoints",
        }

    async def prepare_job(self, ref: ClusterRef, job: JobLaunch) -> PreparedJob:
        await self.check_job(job.jar_uri, job.entry_class, job.args)
        folder = Path(tempfile.gettempdir()) / "scurry-fake-jars" / ref.namespace / ref.name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (job.jar_uri or "flink-python.jar").rsplit("/", 1)[-1]
        path.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: enough for an upload
        return PreparedJob(jar_path=str(path), entry_class=job.entry_class, args=job.args)

    async def latest_checkpoint(self, checkpoint_dir: str, job_id: str) -> str | None:
        """The newest checkpoint the fake JobManager of any cluster recorded for `job_id`."""
        for cluster in self.clusters.values():
            job = cluster.flink.jobs.get(job_id)
            if job is not None:
                checkpoints = [s for s in job.snapshots if not s.get("is_savepoint")]
                if checkpoints:
                    return str(checkpoints[-1]["external_path"])
        return self.retained.get(job_id)

    async def dispose_snapshot(self, path: str) -> bool:
        self.disposed.append(path)
        return True

    async def check_savepoint(self, path: str) -> None:
        if path in self.missing_artifacts:
            raise ArtifactError(f"savepoint {path} does not exist (no _metadata there)")

    async def check_job(
        self, jar_uri: str | None, entry_class: str | None, args: Sequence[str]
    ) -> None:
        if jar_uri in self.missing_artifacts:
            raise ArtifactError(f"jarURI {jar_uri}: file does not exist")

    async def apply(self, spec: ClusterSpec) -> None:
        if self.fail_next_apply is not None:
            error, self.fail_next_apply = self.fail_next_apply, None
            raise error
        current = self.clusters.get(spec.ref)
        if current is not None and current.spec.token == spec.token:
            return
        if spec.job is not None:
            await self.check_job(spec.job.jar_uri, spec.job.entry_class, spec.job.args)
        self.applied.append(spec)
        flink = FakeFlinkCluster(
            config={**spec.flink_config, "scurry.cluster.deploy-id": spec.token}
        )
        submission = SubmissionState.PENDING if spec.job else SubmissionState.NONE
        self.clusters[spec.ref] = FakeCluster(
            spec, flink, self.startup_polls, submission=submission
        )

    async def delete(self, ref: ClusterRef) -> None:
        cluster = self.clusters.pop(ref, None)
        if cluster is not None:
            self.deleted.append(ref)
            self._retain(cluster)

    def _retain(self, cluster: FakeCluster) -> None:
        """Checkpoints outlive their cluster (retained on cancellation), as on disk."""
        for job in cluster.flink.jobs.values():
            checkpoints = [s for s in job.snapshots if not s.get("is_savepoint")]
            if checkpoints:
                self.retained[job.jid] = str(checkpoints[-1]["external_path"])

    async def stop_all(self) -> None:
        for ref in list(self.clusters):
            await self.delete(ref)

    async def observe(self, ref: ClusterRef) -> ClusterObservation:
        cluster = self.clusters.get(ref)
        if cluster is None:
            return ClusterObservation.absent()
        self._advance(cluster)
        ready = cluster.job_manager is JobManagerState.READY
        return ClusterObservation(
            exists=True,
            generation=cluster.spec.generation,
            token=cluster.spec.token,
            job_manager=cluster.job_manager,
            rest_url=cluster.url if ready else None,
            task_managers_ready=cluster.spec.task_manager.replicas if ready else 0,
            task_managers_desired=cluster.spec.task_manager.replicas,
            submission=cluster.submission,
            job_id=cluster.spec.job.job_id if cluster.spec.job else None,
            message=cluster.message,
            flink_version=cluster.flink.flink_version,
        )

    def _advance(self, cluster: FakeCluster) -> None:
        if cluster.job_manager is not JobManagerState.STARTING:
            return
        if cluster.spec.ref in self.fail_start:
            cluster.job_manager = JobManagerState.FAILED
            cluster.message = "JobManager failed to start: BindException: Address already in use"
            return
        if cluster.polls_left > 0:
            cluster.polls_left -= 1
            return
        cluster.job_manager = JobManagerState.READY
        job = cluster.spec.job
        if job is not None and cluster.submission is SubmissionState.PENDING:
            request = {
                "parallelism": job.parallelism,
                "savepointPath": job.savepoint_path,
                "allowNonRestoredState": job.allow_non_restored_state,
                "entryClass": job.entry_class,
                "programArgsList": list(job.args),
            }
            cluster.flink.submit(
                job.job_id, request, name=cluster.spec.flink_config.get("pipeline.name")
            )
            cluster.submission = SubmissionState.SUBMITTED

    async def logs(
        self, ref: ClusterRef, component: str, index: int = 0, tail: int | None = None
    ) -> str:
        if ref not in self.clusters:
            raise NotFound(f"no {component} log for {ref}")
        lines = [f"{component} {index} of {ref}: line {i}" for i in range(1, 51)]
        return "\n".join(lines[-tail:] if tail else lines)

    async def log_path(self, ref: ClusterRef, component: str, index: int = 0) -> str | None:
        """None: the fake's logs are made up, not files (the API follows them by re-reading)."""
        return None

    # -- breaking things on purpose ---------------------------------------------------

    def lose_job_manager(self, ref: ClusterRef) -> None:
        """The JobManager process died: its job is gone with it (no HA)."""
        cluster = self.clusters[ref]
        cluster.job_manager = JobManagerState.LOST
        cluster.message = "JobManager process exited"
        cluster.flink.reachable = False
        self._changed(ref)

    def _changed(self, ref: ClusterRef) -> None:
        for callback in self._callbacks:
            callback(ref)

    def job(self, ref: ClusterRef) -> FakeFlinkCluster:
        return self.clusters[ref].flink

    def flink_api(self, url: str) -> FlinkApi:
        """The FlinkApi factory that reaches each fake cluster by its URL."""
        for cluster in self.clusters.values():
            if cluster.url == url:
                return cluster.flink.client(url)
        unreachable = FakeFlinkCluster(reachable=False)
        return unreachable.client(url)
