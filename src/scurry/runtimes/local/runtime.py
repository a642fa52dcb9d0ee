"""The local runtime: Flink clusters as processes on this machine.

`apply` is idempotent for one deploy token and replaces a cluster deployed
with another; `start` re-adopts every cluster recorded under the data
directory whose processes still run, so a restarted control plane neither
duplicates nor orphans a JVM.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from scurry.errors import ArtifactError, NotFound, RuntimeFailure
from scurry.models.cluster import (
    ClusterObservation,
    ClusterRef,
    ClusterSpec,
    JobLaunch,
    JobManagerState,
    PreparedJob,
    SubmissionState,
)
from scurry.ports import FlinkApiFactory
from scurry.runtimes.fetch import ArtifactFetcher
from scurry.runtimes.local import checkpoints, launcher, portalloc, reporter_ports
from scurry.runtimes.local.artifacts import ArtifactResolver
from scurry.runtimes.local.cluster import LocalCluster
from scurry.runtimes.local.flinkdist import FlinkDist
from scurry.runtimes.local.layout import ClusterDir, ClusterState, all_cluster_dirs

log = logging.getLogger(__name__)


class LocalRuntime:
    name = "local"
    needs_resolved_env = True

    def __init__(
        self,
        home: Path,
        dist: FlinkDist,
        flink_api: FlinkApiFactory,
        *,
        java: str = "java",
        port_range: tuple[int, int] = (20000, 29999),
        usrlib: Path | None = None,
        fetcher: ArtifactFetcher | None = None,
    ) -> None:
        self.root = home / "clusters"
        self.dist, self.java, self.port_range = dist, java, port_range
        self.flink_api = flink_api
        self.artifacts = ArtifactResolver(dist, usrlib or home / "usrlib", fetcher)
        self.clusters: dict[ClusterRef, LocalCluster] = {}
        self._callbacks: list[Callable[[ClusterRef], None]] = []
        self._lock = asyncio.Lock()

    # -- lifecycle of the runtime itself ------------------------------------------

    async def start(self) -> None:
        """Re-adopt the clusters a previous control plane started."""
        self.root.mkdir(parents=True, exist_ok=True)
        for cdir in all_cluster_dirs(self.root):
            state = cdir.read_state()
            if state is None:
                continue
            cluster = self._cluster(cdir, state)
            if state.stopping:
                await cluster.stop()
                cdir.remove_runtime_files()
                continue
            self.clusters[cdir.ref] = cluster
            self._adopt(cluster)

    def _adopt(self, cluster: LocalCluster) -> None:
        jm = cluster.state.jobmanager
        alive = jm is not None and launcher.is_alive(jm)
        log.info("re-adopting %s (JobManager %s)", cluster.cdir.ref, "alive" if alive else "gone")
        cluster.begin_supervision()

    async def close(self) -> None:
        """Stop supervising; the clusters keep running for the next control plane."""
        for cluster in self.clusters.values():
            await cluster.stop_supervision()

    def on_change(self, callback: Callable[[ClusterRef], None]) -> None:
        self._callbacks.append(callback)

    def _notifier(self, ref: ClusterRef) -> Callable[[], None]:
        def notify() -> None:
            for callback in self._callbacks:
                callback(ref)

        return notify

    def _cluster(self, cdir: ClusterDir, state: ClusterState) -> LocalCluster:
        return LocalCluster(
            cdir,
            state,
            self.dist,
            self.java,
            self.flink_api,
            self.artifacts,
            self._notifier(cdir.ref),
        )

    # -- the Runtime port -----------------------------------------------------------

    def defaults(self, ref: ClusterRef) -> dict[str, str]:
        cdir = ClusterDir(self.root, ref)
        return {
            "execution.checkpointing.dir": cdir.checkpoints.as_uri(),
            "execution.checkpointing.savepoint-dir": cdir.savepoints.as_uri(),
        }

    async def prepare_job(self, ref: ClusterRef, job: JobLaunch) -> PreparedJob:
        """A session job's artifacts, remote ones fetched into the session's artifacts dir."""
        session = self.clusters.get(ref)
        config = session.spec.flink_config if session is not None else None
        return await self.artifacts.prepare(job, ClusterDir(self.root, ref).artifacts, config)

    async def latest_checkpoint(self, checkpoint_dir: str, job_id: str) -> str | None:
        return await asyncio.to_thread(checkpoints.latest_checkpoint, checkpoint_dir, job_id)

    async def dispose_snapshot(self, path: str) -> bool:
        return await asyncio.to_thread(checkpoints.dispose, path)

    async def check_savepoint(self, path: str) -> None:
        if checkpoints.savepoint_exists(path) is False:
            raise ArtifactError(f"savepoint {path} does not exist (no _metadata there)")

    async def check_job(
        self, jar_uri: str | None, entry_class: str | None, args: Sequence[str]
    ) -> None:
        """Offline: local files exist, remote URIs are well formed (fetched at submission)."""
        self.artifacts.check(jar_uri, entry_class, tuple(args))

    async def apply(self, spec: ClusterSpec) -> None:
        async with self._lock:
            current = self.clusters.get(spec.ref)
            if current is not None and current.spec.token == spec.token:
                return
            if spec.job is not None:
                await self.check_job(spec.job.jar_uri, spec.job.entry_class, spec.job.args)
            if current is not None:
                await self._remove(current)
            cluster = self._prepare(spec)
            self.clusters[spec.ref] = cluster
        try:
            await cluster.start_processes()
        except Exception as exc:  # reported through observe(), as a failed JobManager
            log.warning("could not start cluster %s: %s", spec.ref, exc)
            await launcher.stop_processes(cluster.processes(), grace=5.0)
            cluster.state.jm_state = JobManagerState.FAILED
            cluster.state.message = exc.message if isinstance(exc, RuntimeFailure) else str(exc)
            cluster.save()
            return
        cluster.state.stopping = False
        cluster.begin_supervision()

    def _prepare(self, spec: ClusterSpec) -> LocalCluster:
        cdir = ClusterDir(self.root, spec.ref)
        cdir.create()
        taken = {p for c in self.clusters.values() for p in c.state.ports.values()}
        names = [
            *portalloc.PORT_NAMES,
            *reporter_ports.wanted(spec.flink_config, spec.task_manager.replicas),
        ]
        ports = dict(
            zip(names, portalloc.allocate(self.port_range, taken, len(names)), strict=True)
        )
        config = launcher.cluster_config(spec.flink_config, cdir, ports, self.dist, spec.token)
        launcher.write_conf(cdir, config, spec.log_configuration, self.dist)
        submission = SubmissionState.PENDING if spec.job else SubmissionState.NONE
        state = ClusterState(spec=spec, ports=ports, submission=submission)
        cdir.write_state(state)
        return self._cluster(cdir, state)

    async def delete(self, ref: ClusterRef) -> None:
        async with self._lock:
            cluster = self.clusters.get(ref)
            if cluster is None:
                return
            await self._remove(cluster)
        self._notifier(ref)()

    async def _remove(self, cluster: LocalCluster) -> None:
        await cluster.stop()
        cluster.cdir.remove_runtime_files()
        self.clusters.pop(cluster.cdir.ref, None)

    async def observe(self, ref: ClusterRef) -> ClusterObservation:
        cluster = self.clusters.get(ref)
        return cluster.observe() if cluster is not None else ClusterObservation.absent()

    async def logs(
        self, ref: ClusterRef, component: str, index: int = 0, tail: int | None = None
    ) -> str:
        cdir = ClusterDir(self.root, ref)
        role = "jobmanager" if component == "jobmanager" else "taskmanager"
        path = cdir.log_file(role, index)
        if not path.exists():
            raise NotFound(
                f"no {component} log for {ref}" + (f" #{index}" if role != "jobmanager" else "")
            )
        if tail is not None:
            return launcher.log_tail(path, tail)
        return await asyncio.to_thread(path.read_text, "utf-8", "replace")

    async def log_path(self, ref: ClusterRef, component: str, index: int = 0) -> str | None:
        role = "jobmanager" if component == "jobmanager" else "taskmanager"
        return str(ClusterDir(self.root, ref).log_file(role, index))

    async def stop_all(self) -> None:
        """Stop every cluster's processes (used by `scurry down --all`)."""
        for cluster in list(self.clusters.values()):
            with contextlib.suppress(Exception):
                await self._remove(cluster)
