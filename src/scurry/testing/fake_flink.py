"""A stateful in-memory Flink JobManager REST API, served through `httpx.MockTransport`.

It writes the JSON Flink 2.3 writes and behaves as it did in the lab
(`reference/flink-local-lab.md`): jar ids are `<uuid>_<filename>`; a job id is
accepted once per JobManager, even after the job ended; savepoints and
checkpoints complete on a status poll; stop-with-savepoint leaves the job
FINISHED; a restored job reports `latest.restored`. Failures are injected with
`fail_next["run_jar"] = (500, "message")` (or an exception) and `reachable = False`.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from scurry.flinkrest.client import FlinkRestClient

Json = dict[str, Any]
Handler = Callable[..., httpx.Response]

# (method, path, operation name). The handler of an operation is the method `_<name>`;
# `/jobs/{}` handlers get the FakeJob. Order matters: /jobs/overview before /jobs/{}.
_ROUTES = [
    ("GET", "/overview", "overview"),
    ("GET", "/config", "dashboard_config"),
    ("GET", "/jobmanager/config", "jobmanager_config"),
    ("GET", "/taskmanagers", "taskmanagers"),
    ("GET", "/jobs/overview", "jobs_overview"),
    ("POST", "/jars/upload", "upload_jar"),
    ("POST", "/jars/{}/run", "run_jar"),
    ("GET", "/jobs/{}", "job"),
    ("PATCH", "/jobs/{}", "cancel_job"),
    ("GET", "/jobs/{}/exceptions", "job_exceptions"),
    ("POST", "/jobs/{}/stop", "stop_job"),
    ("POST", "/jobs/{}/savepoints", "trigger_savepoint"),
    ("GET", "/jobs/{}/savepoints/{}", "savepoint_status"),
    ("POST", "/jobs/{}/checkpoints", "trigger_checkpoint"),
    ("GET", "/jobs/{}/checkpoints", "checkpoints"),
    ("GET", "/jobs/{}/checkpoints/{}", "checkpoint_status"),
    ("GET", "/jobs/{}/metrics", "job_metrics"),
    ("GET", "/jobs/{}/plan", "job_plan"),
    ("GET", "/jobs/{}/vertices/{}/subtasks/metrics", "vertex_metrics"),
    ("PUT", "/jobs/{}/resource-requirements", "set_parallelism"),
]
_PATTERNS = [
    (method, re.compile(path.replace("{}", "([^/]+)")), name) for method, path, name in _ROUTES
]

_F = "org.apache.flink."
_AT = f"\n\tat {_F}runtime.rest.handler.AbstractHandler.respondAsLeader(AbstractHandler.java:209)"
NO_SAVEPOINT_DIR = "No savepoint directory configured. You can either specify a directory [...]"


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class FakeJob:
    """One job as the JobManager knows it; tests may set `state` and `exceptions` directly."""

    jid: str
    name: str = "Flink Streaming Job"
    state: str = "RUNNING"
    parallelism: int = 1
    start_time: int = field(default_factory=now_ms)
    end_time: int = -1
    request: Json = field(default_factory=dict)  # the body of the run request
    exceptions: list[Json] = field(default_factory=list)  # exceptionHistory entries
    snapshots: list[Json] = field(default_factory=list)  # completed checkpoints and savepoints
    restored: Json | None = None
    next_checkpoint_id: int = 1
    metrics: dict[str, str] = field(default_factory=dict)  # job metrics by name
    vertex_metrics: dict[str, float] = field(default_factory=dict)  # the vertex's, aggregated
    # A multi-vertex job: when set, /jobs/{id}, /plan and the vertex metrics answer from it.
    vertices: list[FakeVertex] = field(default_factory=list)
    running_since: int | None = None  # `timestamps.RUNNING`; start_time when None
    rescales: list[dict[str, int]] = field(default_factory=list)  # resource-requirements PUTs

    def end(self, state: str) -> None:
        self.state, self.end_time = state, now_ms()


@dataclass
class FakeVertex:
    """A job vertex with aggregated subtask metrics: name -> {"sum": .., "max": ..}."""

    id: str
    name: str
    parallelism: int = 1
    max_parallelism: int = 128
    inputs: list[tuple[str, str]] = field(default_factory=list)  # (vertex id, ship strategy)
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class _Operation:
    kind: Literal["savepoint", "checkpoint"]
    target: str | None
    then: str | None  # the state the job ends in once the savepoint is taken
    polls_left: int = 0
    result: Json | None = None


@dataclass
class FakeFlinkCluster:
    """The fake JobManager; a test may set any public field at any time."""

    flink_version: str = "2.3.0"
    taskmanager_ids: list[str] = field(default_factory=lambda: ["127.0.0.1:40001-7c1a5e"])
    slots_per_taskmanager: int = 2
    config: dict[str, str] = field(default_factory=dict)  # what /jobmanager/config answers
    start_initializing: bool = False  # new jobs answer INITIALIZING once before RUNNING
    operation_polls: int = 0  # status polls answering IN_PROGRESS before an operation completes
    reachable: bool = True
    fail_next: dict[str, Exception | tuple[int, str]] = field(default_factory=dict)
    jars: dict[str, str] = field(default_factory=dict)  # jar id -> path on the JobManager
    jobs: dict[str, FakeJob] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)  # operation names, in order
    _operations: dict[tuple[str, str], _Operation] = field(default_factory=dict)
    _snapshot_ids: dict[str, int] = field(default_factory=dict)  # location -> checkpoint id
    _web_dir: str = field(default_factory=lambda: f"/tmp/flink-web-{uuid.uuid4()}")

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self, base_url: str = "http://127.0.0.1:8081") -> FlinkRestClient:
        return FlinkRestClient(base_url, transport=self.transport())

    def complete_checkpoint(self, job_id: str) -> int:
        """A periodic checkpoint of the job completes; returns its id."""
        return int(self._add_snapshot(self.jobs[job_id], location=None)["id"])

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request; `reachable` and `fail_next` act before any state changes."""
        if not self.reachable:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        for method, pattern, name in _PATTERNS:
            match = pattern.fullmatch(request.url.path)
            if match and request.method == method:
                self.calls.append(name)
                return self._dispatch(name, request, list(match.groups()))
        return _error(404, f"Not found: {request.url.path}")

    def _dispatch(self, name: str, request: httpx.Request, ids: list[str]) -> httpx.Response:
        injected = self.fail_next.pop(name, None)
        if isinstance(injected, Exception):
            raise injected
        if injected is not None:
            return httpx.Response(injected[0], json={"errors": [injected[1]]})
        handler: Handler = getattr(self, f"_{name}")
        if not (ids and request.url.path.startswith("/jobs/")):  # /jobs/{}...: ids[0] is a job
            return handler(request, *ids)
        if (job := self.jobs.get(ids[0])) is None:
            return _job_not_found(ids[0])
        return handler(request, job, *ids[1:])

    def _overview(self, request: httpx.Request) -> httpx.Response:
        states = [job.state for job in self.jobs.values()]
        return _ok(
            {
                "taskmanagers": len(self.taskmanager_ids),
                "slots-total": len(self.taskmanager_ids) * self.slots_per_taskmanager,
                "slots-available": sum(self._free_slots().values()),
                "jobs-running": states.count("RUNNING"),
                "jobs-failed": states.count("FAILED"),
                "flink-version": self.flink_version,
            }
        )

    def _dashboard_config(self, request: httpx.Request) -> httpx.Response:
        return _ok({"refresh-interval": 3000, "flink-version": self.flink_version})

    def _jobmanager_config(self, request: httpx.Request) -> httpx.Response:
        return _ok([{"key": key, "value": value} for key, value in self.config.items()])

    def _taskmanagers(self, request: httpx.Request) -> httpx.Response:
        slots, free = self.slots_per_taskmanager, self._free_slots()
        entries = [{"id": id_, "slotsNumber": slots, "freeSlots": n} for id_, n in free.items()]
        return _ok({"taskmanagers": entries})

    def _free_slots(self) -> dict[str, int]:
        """Free slots per TaskManager, running jobs filling them in order."""
        used = sum(job.parallelism for job in self.jobs.values() if job.state == "RUNNING")
        slots = self.slots_per_taskmanager
        taken = [min(slots, max(0, used - i * slots)) for i in range(len(self.taskmanager_ids))]
        return {id_: slots - n for id_, n in zip(self.taskmanager_ids, taken, strict=True)}

    def _jobs_overview(self, request: httpx.Request) -> httpx.Response:
        return _ok({"jobs": [self._summary(job) for job in self.jobs.values()]})

    def _job(self, request: httpx.Request, job: FakeJob) -> httpx.Response:
        summary = self._summary(job)
        vertex: Json = {"id": job.jid[::-1], "name": "Source: src[1] -> StreamingFileWriter"}
        vertex |= {"parallelism": job.parallelism, "status": summary["state"]}
        vertices = [vertex]
        if job.vertices:
            vertices = [
                {"id": v.id, "name": v.name, "parallelism": v.parallelism}
                | {"maxParallelism": v.max_parallelism, "status": summary["state"]}
                for v in job.vertices
            ]
        running = job.running_since if job.running_since is not None else job.start_time
        extra = {"job-type": "STREAMING", "now": now_ms(), "vertices": vertices}
        return _ok(summary | extra | {"timestamps": {"RUNNING": running}})

    def _job_plan(self, request: httpx.Request, job: FakeJob) -> httpx.Response:
        nodes = [
            {"id": v.id, "parallelism": v.parallelism, "description": v.name}
            | {"inputs": [{"id": i, "ship_strategy": how} for i, how in v.inputs]}
            for v in job.vertices
        ]
        return _ok({"plan": {"jid": job.jid, "name": job.name, "nodes": nodes}})

    def _vertex_metrics(self, request: httpx.Request, job: FakeJob, vid: str) -> httpx.Response:
        if not job.vertices:
            return self._single_vertex_metrics(request, job, vid)
        vertex = next((v for v in job.vertices if v.id == vid), None)
        if vertex is None:
            return _error(404, f"Vertex {vid} not found")
        names = [n for n in request.url.params.get("get", "").split(",") if n]
        if not names:
            return _ok([{"id": name} for name in vertex.metrics])
        return _ok([{"id": n} | vertex.metrics[n] for n in names if n in vertex.metrics])

    def _set_parallelism(self, request: httpx.Request, job: FakeJob) -> httpx.Response:
        body = _body(request)
        wanted = {vid: int(req["parallelism"]["upperBound"]) for vid, req in body.items()}
        job.rescales.append(wanted)
        return _ok({})

    def _summary(self, job: FakeJob) -> Json:
        state = job.state
        if state == "INITIALIZING":  # seen once, then the job runs
            job.state = "RUNNING"
        end = job.end_time if job.end_time >= 0 else now_ms()
        summary = {"jid": job.jid, "name": job.name, "state": state, "start-time": job.start_time}
        return summary | {"end-time": job.end_time, "duration": end - job.start_time}

    def _job_exceptions(self, request: httpx.Request, job: FakeJob) -> httpx.Response:
        return _ok({"exceptionHistory": {"entries": job.exceptions, "truncated": False}})

    def _upload_jar(self, request: httpx.Request) -> httpx.Response:
        match = re.search(rb'name="jarfile"; filename="([^"]+)"', request.content)
        if match is None:
            return _error(400, "Exactly 1 file must be sent, received 0.")
        filename = match.group(1).decode()
        jar_id = f"{uuid.uuid4()}_{filename}"
        self.jars[jar_id] = self._jar_path(jar_id)
        return _ok({"filename": self.jars[jar_id], "status": "success"})

    def _jar_path(self, jar_id: str) -> str:
        return f"{self.config.get('web.upload.dir', self._web_dir)}/flink-web-upload/{jar_id}"

    def _run_jar(self, request: httpx.Request, jar_id: str) -> httpx.Response:
        if jar_id not in self.jars:
            return _error(400, f"Jar file {self._jar_path(jar_id)} does not exist")
        body = _body(request)
        jid = body.get("jobId") or uuid.uuid4().hex
        if not re.fullmatch(r"[0-9a-fA-F]{32}", jid):
            return _error(400, f'Cannot parse JobID from "{jid}". Expected 32 hex characters.')
        if jid in self.jobs:
            return _duplicate_job()
        args: list[str] = body.get("programArgsList", [])
        name = args[args.index("--name") + 1] if "--name" in args[:-1] else None
        self.submit(jid, body, name=name)
        return _ok({"jobid": jid, "applicationId": jid})

    def submit(self, jid: str, request: Json, name: str | None = None) -> FakeJob:
        """Accept a job as `/jars/<id>/run` does (a fake runtime submits through here)."""
        job = FakeJob(jid=jid, request=request, parallelism=request.get("parallelism") or 1)
        job.name = name or job.name
        job.state = "INITIALIZING" if self.start_initializing else "RUNNING"
        if request.get("savepointPath"):
            self._restore(job, request["savepointPath"])
        self.jobs[jid] = job
        return job

    def _restore(self, job: FakeJob, path: str) -> None:
        """Known snapshots restore with their id; unknown paths with `chk-<n>`'s n, else 1."""
        chk = re.search(r"chk-(\d+)/?$", path)
        cid = self._snapshot_ids.get(path) or (int(chk.group(1)) if chk else 1)
        # A retained checkpoint restored through savepointPath is reported as a savepoint too.
        job.restored = {"id": cid, "is_savepoint": True, "external_path": path}
        job.next_checkpoint_id = cid + 1

    def _cancel_job(self, request: httpx.Request, job: FakeJob) -> httpx.Response:
        if job.state in ("FINISHED", "CANCELED", "FAILED"):
            reason = f"the job has already reached another terminal state ({job.state})."
            return _error(409, f"Job cancellation failed because {reason}")
        job.end("CANCELED")
        return _ok({}, status=202)

    def _stop_job(self, request: httpx.Request, job: FakeJob) -> httpx.Response:
        body = _body(request)
        operation = _Operation("savepoint", body.get("targetDirectory"), then="FINISHED")
        return self._trigger(job, operation, body.get("triggerId"))

    def _trigger_savepoint(self, request: httpx.Request, job: FakeJob) -> httpx.Response:
        body = _body(request)
        then = "CANCELED" if body.get("cancel-job") else None
        operation = _Operation("savepoint", body.get("target-directory"), then)
        return self._trigger(job, operation, body.get("triggerId"))

    def _trigger_checkpoint(self, request: httpx.Request, job: FakeJob) -> httpx.Response:
        operation = _Operation("checkpoint", target=None, then=None)
        return self._trigger(job, operation, _body(request).get("triggerId"))

    def _trigger(
        self, job: FakeJob, operation: _Operation, requested: str | None = None
    ) -> httpx.Response:
        """A repeated trigger id is the same operation, as in Flink (idempotent triggering)."""
        trigger_id = requested or uuid.uuid4().hex
        if (job.jid, trigger_id) in self._operations:
            return _ok({"request-id": trigger_id}, status=202)
        operation.polls_left = self.operation_polls
        self._operations[job.jid, trigger_id] = operation
        return _ok({"request-id": trigger_id}, status=202)

    def _operation_status(self, request: httpx.Request, job: FakeJob, tid: str) -> httpx.Response:
        """IN_PROGRESS for `operation_polls` polls, then the snapshot is taken: COMPLETED."""
        op = self._operations.get((job.jid, tid))
        if op is None or f"/{op.kind}s/" not in request.url.path:  # Flink keeps one cache per kind
            key = f"{_F}runtime.rest.handler.job.AsynchronousJobOperationKey@8893e196"
            message = f"{_F}runtime.rest.NotFoundException: Operation not found under key: {key}"
            return _error(404, message)
        if op.result is None and op.polls_left > 0:
            op.polls_left -= 1
            return _ok({"status": {"id": "IN_PROGRESS"}})
        if op.result is None:
            op.result = self._complete(op, job)
        return _ok({"status": {"id": "COMPLETED"}, "operation": op.result})

    _savepoint_status = _checkpoint_status = _operation_status

    def _complete(self, op: _Operation, job: FakeJob) -> Json:
        """The operation's result as Flink reports it; a savepoint may end the job."""
        failure_key = "failure-cause" if op.kind == "savepoint" else "failureCause"
        injected = self.fail_next.pop(f"{op.kind}_result", None)
        if injected is not None:
            message = injected[1] if isinstance(injected, tuple) else str(injected)
            return {failure_key: _throwable(f"{_F}runtime.checkpoint.CheckpointException", message)}
        if job.state != "RUNNING":
            reason = "Not all required tasks are currently running."
            return {failure_key: _throwable(f"{_F}runtime.checkpoint.CheckpointException", reason)}
        if op.kind == "checkpoint":
            return {"checkpointId": self._add_snapshot(job, location=None)["id"]}
        target = op.target or self.config.get("execution.checkpointing.savepoint-dir")
        if target is None:
            return {failure_key: _throwable("java.lang.IllegalStateException", NO_SAVEPOINT_DIR)}
        location = f"{_file_uri(target)}/savepoint-{job.jid[:6]}-{uuid.uuid4().hex[:12]}"
        self._add_snapshot(job, location=location)
        if op.then:
            job.end(op.then)
        return {"location": location}

    def _add_snapshot(self, job: FakeJob, location: str | None) -> Json:
        """Record a completed checkpoint (no location) or savepoint (at `location`)."""
        cid, job.next_checkpoint_id = job.next_checkpoint_id, job.next_checkpoint_id + 1
        checkpoint_dir = self.config.get("execution.checkpointing.dir")
        path = location or "<checkpoint-not-externally-addressable>"
        if location is None and checkpoint_dir:
            path = f"{_file_uri(checkpoint_dir)}/{job.jid}/chk-{cid}"
        snapshot = {"id": cid, "status": "COMPLETED", "is_savepoint": location is not None}
        snapshot |= {"external_path": path, "latest_ack_timestamp": now_ms()}
        job.snapshots.append(snapshot)
        self._snapshot_ids[path] = cid
        return snapshot

    def _job_metrics(self, request: httpx.Request, job: FakeJob) -> httpx.Response:
        names = [n for n in request.url.params.get("get", "").split(",") if n]
        values = {"numRestarts": "0", **job.metrics}
        return _ok([{"id": n, "value": values[n]} for n in names if n in values])

    def _single_vertex_metrics(
        self, request: httpx.Request, job: FakeJob, vertex_id: str
    ) -> httpx.Response:
        """Aggregated subtask metrics of the job's one vertex, from `job.vertex_metrics`."""
        if vertex_id != job.jid[::-1]:
            return _error(404, f"Vertex {vertex_id} not found")
        names = [n for n in request.url.params.get("get", "").split(",") if n]
        if not names:  # without `get`: the ids of the metrics there are
            return _ok([{"id": n} for n in job.vertex_metrics])
        found = [(n, float(job.vertex_metrics[n])) for n in names if n in job.vertex_metrics]
        return _ok([{"id": n, "min": v, "max": v, "avg": v, "sum": v} for n, v in found])

    def _checkpoints(self, request: httpx.Request, job: FakeJob) -> httpx.Response:
        checkpoints = [s for s in job.snapshots if not s["is_savepoint"]]
        savepoints = [s for s in job.snapshots if s["is_savepoint"]]
        counts = {"restored": int(job.restored is not None), "total": len(job.snapshots)}
        counts |= {"in_progress": 0, "completed": len(job.snapshots), "failed": 0}
        latest: Json = {"failed": None, "restored": job.restored}
        latest["completed"] = checkpoints[-1] if checkpoints else None
        latest["savepoint"] = savepoints[-1] if savepoints else None
        return _ok({"counts": counts, "latest": latest, "history": job.snapshots[::-1]})


def _ok(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def _body(request: httpx.Request) -> Json:
    return dict(json.loads(request.content or b"{}"))


def _error(status: int, message: str, *causes: str) -> httpx.Response:
    """An error the way Flink writes one: the exception's stack trace as the single entry."""
    trace = message + _AT + "".join(f"\nCaused by: {cause}{_AT}\n\t... 12 more" for cause in causes)
    return httpx.Response(status, json={"errors": [trace]})


def _job_not_found(jid: str) -> httpx.Response:
    not_found = f"{_F}runtime.rest.NotFoundException: Job {jid} not found"
    cause = f"{_F}runtime.messages.FlinkJobNotFoundException: Could not find Flink job ({jid})"
    return _error(404, not_found, cause)


def _duplicate_job() -> httpx.Response:
    failed = f"{_F}runtime.rest.handler.RestHandlerException: Could not execute application."
    cause = f"{_F}runtime.client.DuplicateJobSubmissionException: Job has already been submitted."
    return _error(500, failed, f"{_F}client.program.ProgramInvocationException: ...", cause)


def _throwable(cls: str, message: str) -> Json:
    """Flink's JSON form of a `SerializedThrowable` (the serialized bytes left out)."""
    return {"class": cls, "stack-trace": f"{cls}: {message}{_AT}"}


def _file_uri(directory: str) -> str:
    """`file:///x/`, `file:/x` and `/x` all become `file:/x`, as Flink prints paths."""
    path = directory.removeprefix("file://").removeprefix("file:")
    return f"file:{path.rstrip('/')}"
