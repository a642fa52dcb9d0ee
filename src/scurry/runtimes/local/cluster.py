"""One local Flink cluster under supervision: its JVMs, its job submission, its record.

The runtime plays Kubernetes' Deployment controller here: it keeps the
TaskManagers running (restarting a dead one with backoff) and submits an
application's job once. A dead JobManager is *not* restarted: without HA a new
JobManager would rerun the job from empty state, so the loss is reported and
the controller decides. Every change is written to `state.json` before the
next step, so a restarted control plane re-adopts the cluster as it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import subprocess
import time
from collections.abc import Callable

from scurry.core import podenv
from scurry.errors import ScurryError
from scurry.models.cluster import (
    ClusterObservation,
    ClusterSpec,
    JobManagerState,
    SubmissionState,
)
from scurry.ports import FlinkApi, FlinkApiFactory
from scurry.runtimes.fetch import ArtifactUnavailable
from scurry.runtimes.local import launcher
from scurry.runtimes.local.artifacts import ArtifactResolver
from scurry.runtimes.local.flinkdist import FlinkDist
from scurry.runtimes.local.layout import ClusterDir, ClusterState, ProcessRecord

log = logging.getLogger(__name__)

MONITOR_PERIOD = 1.0
TM_BACKOFF_MAX = 60.0
TM_STABLE_AFTER = 60.0
JM_START_ATTEMPTS = 3
# A remote artifact that does not come (after the fetcher's own retries) is
# tried again on later passes, `2**n` seconds apart, before the submission fails.
FETCH_PASSES = 5
FETCH_BACKOFF_MAX = 30.0


class LocalCluster:
    """Supervises one cluster; all mutation happens on the event loop, one step at a time."""

    def __init__(
        self,
        cdir: ClusterDir,
        state: ClusterState,
        dist: FlinkDist,
        java: str,
        flink_api: FlinkApiFactory,
        artifacts: ArtifactResolver,
        notify: Callable[[], None],
    ) -> None:
        self.cdir, self.state, self.dist, self.java = cdir, state, dist, java
        self.flink_api, self.artifacts, self.notify = flink_api, artifacts, notify
        self.children: dict[int, subprocess.Popen[bytes]] = {}
        self.registered_tms = 0
        self.job_states: dict[str, str] = {}
        self._task: asyncio.Task[None] | None = None
        self._tm_restart_at: dict[int, float] = {}
        self._fetch_failures = 0
        self._fetch_retry_at = 0.0

    @property
    def rest_url(self) -> str:
        return f"http://{launcher.LOOPBACK}:{self.state.ports['rest']}"

    @property
    def spec(self) -> ClusterSpec:
        return self.state.spec

    def save(self) -> None:
        self.cdir.write_state(self.state)

    # -- starting ---------------------------------------------------------------

    async def start_processes(self) -> None:
        """Compute memory flags, then start the JobManager and every TaskManager."""
        jm_flags, tm_flags = await asyncio.gather(
            launcher.memory_flags(self.dist, self.java, self.cdir.conf, "jobmanager"),
            launcher.memory_flags(self.dist, self.java, self.cdir.conf, "taskmanager"),
        )
        self._tm_flags = tm_flags
        self._spawn("jobmanager", 0, jm_flags)
        for index in range(self.spec.task_manager.replicas):
            self._spawn("taskmanager", index, tm_flags)

    def _spawn(self, role: str, index: int, flags: launcher.MemoryFlags) -> ProcessRecord:
        options_key = f"env.java.opts.{role}"
        extra = self.spec.flink_config.get(options_key, "").split()
        extra += self.spec.flink_config.get("env.java.opts", "").split()
        command = launcher.command_line(self.dist, self.java, self.cdir, role, index, flags, extra)
        component = self.spec.job_manager if role == "jobmanager" else self.spec.task_manager
        env = launcher.flink_environment(self.dist, self.cdir, component.env)
        proc, record = launcher.spawn(command, self.cdir, role, index, env)
        self.children[record.pid] = proc
        if role == "jobmanager":
            self.state.jobmanager = record
        else:
            self.state.taskmanagers[index] = record
        self.save()  # the PID is on disk before anything else happens
        return record

    def begin_supervision(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._supervise(), name=f"cluster {self.cdir.ref}")

    async def stop_supervision(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    # -- supervision loop -------------------------------------------------------

    async def _supervise(self) -> None:
        while not self.state.stopping:
            try:
                await self._supervise_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # keep supervising; the next pass retries
                log.exception("supervising %s failed", self.cdir.ref)
            await asyncio.sleep(MONITOR_PERIOD)

    async def _supervise_once(self) -> None:
        self._reap()
        jm = self.state.jobmanager
        if self.state.jm_state in (JobManagerState.LOST, JobManagerState.FAILED):
            return
        if jm is None:
            # The control plane died while starting this cluster: finish starting it.
            flags = await launcher.memory_flags(self.dist, self.java, self.cdir.conf, "jobmanager")
            self._spawn("jobmanager", 0, flags)
            return
        if not launcher.is_alive(jm):
            await self._job_manager_died(jm)
            return
        api = self.flink_api(self.rest_url)
        try:
            await self._check_rest(api)
            await self._keep_task_managers()
            if self.state.jm_state is JobManagerState.READY:
                await self._submit_job(api)
        finally:
            await api.close()

    def _reap(self) -> None:
        for pid, proc in list(self.children.items()):
            if proc.poll() is not None:
                del self.children[pid]

    async def _check_rest(self, api: FlinkApi) -> None:
        """READY only once the REST API answers *and* says it is this cluster; then
        watch what the controller would otherwise only see at its next reconcile."""
        if self.state.jm_state is not JobManagerState.READY and not await self._verify(api):
            return
        try:
            tms = await api.taskmanagers()
            jobs = {job.jid: job.state for job in await api.jobs_overview()}
        except ScurryError:
            return
        changed = len(tms.taskmanagers) != self.registered_tms or jobs != self.job_states
        self.registered_tms, self.job_states = len(tms.taskmanagers), jobs
        if self.state.jm_state is not JobManagerState.READY:
            self.state.jm_state = JobManagerState.READY
            with contextlib.suppress(ScurryError):
                self.state.flink_revision = (await api.dashboard_config()).flink_revision
            self.save()
            changed = True
        if changed:
            self.notify()  # a TaskManager came or went, a job changed state

    async def _verify(self, api: FlinkApi) -> bool:
        """The JobManager on our port carries our deploy id (another cluster may answer
        there while ours is still binding)."""
        try:
            config = await api.jobmanager_config()
        except ScurryError:
            return False
        return config.get(launcher.IDENTITY_KEY) == self.spec.token

    async def _job_manager_died(self, jm: ProcessRecord) -> None:
        reason = launcher.failure_reason(self.cdir.log_file("jobmanager"))
        if self.state.jm_state is JobManagerState.STARTING:
            await self._job_manager_start_failed(reason)
            return
        self.state.jm_state = JobManagerState.LOST
        self.state.message = f"JobManager process {jm.pid} exited" + (
            f": {reason}" if reason else ""
        )
        self.save()
        # Its TaskManagers would wait out the heartbeat timeout for a JM that is gone.
        await launcher.stop_processes(list(self.state.taskmanagers.values()), grace=5.0)
        self.notify()

    async def _job_manager_start_failed(self, reason: str | None) -> None:
        """A JobManager that never became ready ran nothing: retrying it is safe."""
        self.state.jm_start_attempts += 1
        self.state.message = "JobManager failed to start" + (f": {reason}" if reason else "")
        if self.state.jm_start_attempts >= JM_START_ATTEMPTS:
            self.state.jm_state = JobManagerState.FAILED
            self.save()
            await launcher.stop_processes(list(self.state.taskmanagers.values()), grace=5.0)
            self.notify()
            return
        self.save()
        await asyncio.sleep(2.0**self.state.jm_start_attempts)
        jm_flags = await launcher.memory_flags(self.dist, self.java, self.cdir.conf, "jobmanager")
        self._spawn("jobmanager", 0, jm_flags)

    async def _keep_task_managers(self) -> None:
        """Restart dead TaskManagers with exponential backoff (Flink restores the job)."""
        now = time.time()
        for index in range(self.spec.task_manager.replicas):
            record = self.state.taskmanagers.get(index)
            if record is not None and launcher.is_alive(record):
                if now - record.started_at > TM_STABLE_AFTER:
                    self.state.tm_failures.pop(index, None)
                continue
            await self._restart_task_manager(index, record, now)

    async def _restart_task_manager(
        self, index: int, record: ProcessRecord | None, now: float
    ) -> None:
        due = self._tm_restart_at.get(index)
        if due is None:
            failures = self.state.tm_failures.get(index, 0)
            delay = min(TM_BACKOFF_MAX, 2.0**failures) if record is not None else 0.0
            self._tm_restart_at[index] = now + delay
            if record is not None:
                self.state.tm_failures[index] = failures + 1
                log.warning(
                    "TaskManager %d of %s died; restarting in %.0fs", index, self.cdir.ref, delay
                )
                self.notify()
            return
        if now < due:
            return
        del self._tm_restart_at[index]
        flags = getattr(self, "_tm_flags", None) or await launcher.memory_flags(
            self.dist, self.java, self.cdir.conf, "taskmanager"
        )
        self._tm_flags = flags
        self._spawn("taskmanager", index, flags)

    # -- job submission ---------------------------------------------------------

    async def _submit_job(self, api: FlinkApi) -> None:
        job = self.spec.job
        if job is None or self.state.submission is not SubmissionState.PENDING:
            return
        if time.monotonic() < self._fetch_retry_at:
            return
        if await self._job_exists(api, job.job_id):
            self._submitted()
            return
        try:
            await self._run_job(api)
        except ArtifactUnavailable as exc:
            self._fetch_failed(exc)
            return
        except ScurryError as exc:
            if await self._job_exists(api, job.job_id):
                self._submitted()  # a retried submission that Flink already had
                return
            self.state.submission = SubmissionState.FAILED
            self.state.message = exc.message
            self.save()
            self.notify()
            return
        self._submitted()

    def _fetch_failed(self, exc: ArtifactUnavailable) -> None:
        """Keep the submission pending for a later pass; give up after FETCH_PASSES."""
        self._fetch_failures += 1
        tries = self._fetch_failures
        if tries >= FETCH_PASSES:
            self.state.submission = SubmissionState.FAILED
            self.state.message = f"{exc.message} (gave up after {tries} submission passes)"
        else:
            self._fetch_retry_at = time.monotonic() + min(FETCH_BACKOFF_MAX, 2.0**tries)
            self.state.message = f"{exc.message} (will retry, pass {tries} of {FETCH_PASSES})"
        log.warning("%s: %s", self.cdir.ref, self.state.message)
        self.save()
        self.notify()

    async def _run_job(self, api: FlinkApi) -> None:
        job = self.spec.job
        assert job is not None
        prepared = await self.artifacts.prepare(job, self.cdir.artifacts, self.spec.flink_config)
        if self.state.jar_id is None:
            self.state.jar_id = (await api.upload_jar(prepared.jar_path)).jar_id
            self.save()
        await api.run_jar(
            self.state.jar_id,
            entry_class=prepared.entry_class,
            args=list(prepared.args),
            parallelism=job.parallelism,
            job_id=job.job_id,
            savepoint_path=job.savepoint_path,
            allow_non_restored_state=job.allow_non_restored_state,
        )

    async def _job_exists(self, api: FlinkApi, job_id: str) -> bool:
        try:
            jobs = await api.jobs_overview()
        except ScurryError:
            return False
        return any(j.jid == job_id for j in jobs)

    def _submitted(self) -> None:
        self.state.submission = SubmissionState.SUBMITTED
        self.state.message = None
        self.save()
        self.notify()

    # -- stopping and reporting ---------------------------------------------------

    def processes(self) -> list[ProcessRecord]:
        records = list(self.state.taskmanagers.values())
        if self.state.jobmanager is not None:
            records.insert(0, self.state.jobmanager)
        return records

    async def stop(self) -> None:
        self.state.stopping = True
        self.save()
        await self.stop_supervision()
        await launcher.stop_processes(self.processes())
        self._reap()

    def observe(self) -> ClusterObservation:
        state = self.state
        jm_state = state.jm_state
        if state.stopping:
            jm_state = JobManagerState.ABSENT
        alive_tms = sum(1 for r in state.taskmanagers.values() if launcher.is_alive(r))
        return ClusterObservation(
            exists=True,
            generation=self.spec.generation,
            token=self.spec.token,
            job_manager=jm_state,
            rest_url=self.rest_url if jm_state is JobManagerState.READY else None,
            task_managers_ready=min(alive_tms, self.registered_tms),
            task_managers_desired=self.spec.task_manager.replicas,
            submission=state.submission,
            job_id=self.spec.job.job_id if self.spec.job else None,
            message=state.message,
            flink_version=self.dist.version,
            flink_revision=state.flink_revision,
            ignored_fields=ignored_fields(self.spec),
        )


def ignored_fields(spec: ClusterSpec) -> tuple[str, ...]:
    """Kubernetes-only fields of the spec that have no meaning for local processes (a pod
    template's main container env and envFrom have one: the JVMs' environment)."""
    named = {
        "spec.image": spec.image,
        "spec.imagePullPolicy": spec.image_pull_policy,
        "spec.serviceAccount": spec.service_account,
        "spec.podTemplate": podenv.beyond_environment(spec.pod_template),
        "spec.jobManager.podTemplate": podenv.beyond_environment(spec.job_manager.pod_template),
        "spec.taskManager.podTemplate": podenv.beyond_environment(spec.task_manager.pod_template),
        "spec.ingress": spec.ingress,
    }
    return tuple(name for name, value in named.items() if value)
