"""Helpers for the CLI tests: the real API served in-process, a fake runtime, manifests.

The CLI under test talks real HTTP to a real uvicorn serving the real FastAPI
app over an in-memory SQL store; only the runtime (Flink processes) is fake.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
import yaml

from scurry.bootstrap import Container, control_config
from scurry.config.settings import Settings
from scurry.errors import ArtifactError, NotFound
from scurry.models.cluster import ClusterObservation, ClusterRef, ClusterSpec
from scurry.ports import EventRecord, FlinkApi, InvolvedObject
from scurry.server.app import create_app
from scurry.store.sql import SqlStore, open_sql_store
from scurry.testing.fake_sql import FakeSqlEngine

T = TypeVar("T")
TIMEOUT = 10.0
API = "/apis/flink.apache.org/v1beta1"
JAR = "local:///opt/flink/examples/streaming/StateMachineExample.jar"


class FakeRuntime:
    """The Runtime port without processes: logs are canned, artifacts 'missing' are absent."""

    name = "fake"
    needs_resolved_env = False

    def __init__(self) -> None:
        self.log_texts: dict[tuple[str, str, str, int], str] = {}
        self.log_files: dict[tuple[str, str, str, int], Path] = {}
        self.log_reads = 0
        self.log_path_calls = 0
        self.stop_all_calls = 0

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def apply(self, spec: ClusterSpec) -> None:
        return None

    async def delete(self, ref: ClusterRef) -> None:
        return None

    async def observe(self, ref: ClusterRef) -> ClusterObservation:
        return ClusterObservation(exists=False)

    async def logs(
        self, ref: ClusterRef, component: str, index: int = 0, tail: int | None = None
    ) -> str:
        text = self.log_texts.get((ref.namespace, ref.name, component, index))
        self.log_reads += 1
        if text is None:
            raise NotFound(f"no {component} log for {ref.namespace}/{ref.name}")
        if tail is None:
            return text
        return "".join(text.splitlines(keepends=True)[-tail:]) if tail else ""

    async def log_path(self, ref: ClusterRef, component: str, index: int = 0) -> str | None:
        """A file from `log_files`, else None (the API then follows `log_texts` by re-reading)."""
        self.log_path_calls += 1
        path = self.log_files.get((ref.namespace, ref.name, component, index))
        return None if path is None else str(path)

    def defaults(self, ref: ClusterRef) -> dict[str, str]:
        return {}

    async def check_job(
        self, jar_uri: str | None, entry_class: str | None, args: Sequence[str]
    ) -> None:
        if jar_uri and "missing" in jar_uri:
            raise ArtifactError(f"jarURI {jar_uri}: no such file")

    async def check_savepoint(self, path: str) -> None:
        if "missing" in path:
            raise ArtifactError(f"savepoint {path} does not exist (no _metadata there)")

    async def stop_all(self) -> None:
        self.stop_all_calls += 1

    def on_change(self, callback: Callable[[ClusterRef], None]) -> None:
        return None


@dataclass(frozen=True)
class Result:
    """What one run of the CLI did: exit code, stdout, stderr."""

    code: int
    out: str
    err: str


Run = Callable[..., Result]


def no_flink(url: str) -> FlinkApi:
    raise AssertionError(f"the CLI tests talk to no Flink ({url})")


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this; without it keep-alive answers wait for delayed ACKs.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    with free_socket() as sock:
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """The scurry API on a loopback port, served by uvicorn on its own thread and loop."""

    home: Path
    runtime: FakeRuntime = field(default_factory=FakeRuntime)
    sql: FakeSqlEngine = field(default_factory=FakeSqlEngine)
    tls: dict[str, Any] = field(default_factory=dict)  # uvicorn's ssl_* options: serve https
    url: str = ""
    database_url: str = "sqlite://"  # the `store_url` fixture gives SQLite and PostgreSQL
    _loop: asyncio.AbstractEventLoop | None = None
    _server: uvicorn.Server | None = None
    _store: SqlStore | None = None
    _thread: threading.Thread | None = None
    _failure: BaseException | None = None

    def start(self) -> None:
        sock = free_socket()
        scheme = "https" if self.tls else "http"
        self.url = f"{scheme}://127.0.0.1:{sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._run, args=(sock,), daemon=True)
        self._thread.start()
        deadline = time.monotonic() + TIMEOUT
        while not (self._server and self._server.started):
            if self._failure is not None or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start") from self._failure
            time.sleep(0.01)

    def _run(self, sock: socket.socket) -> None:
        try:
            asyncio.run(self._serve(sock))
        except BaseException as exc:
            self._failure = exc

    async def _serve(self, sock: socket.socket) -> None:
        self._loop = asyncio.get_running_loop()
        self._store = await open_sql_store(self.database_url)
        settings = Settings(home=self.home)
        container = Container(
            settings, self._store, self.runtime, no_flink, control_config(settings)
        )
        container.sql = self.sql
        config = uvicorn.Config(
            create_app(container),
            log_level="warning",
            lifespan="on",
            access_log=False,
            **self.tls,
        )
        self._server = uvicorn.Server(config)
        try:
            await self._server.serve(sockets=[sock])
        finally:
            await self._store.close()
            sock.close()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(TIMEOUT)

    def call(self, work: Callable[[SqlStore], Coroutine[Any, Any, T]]) -> T:
        """Run `work(store)` on the server's loop (the store belongs to it)."""
        assert self._loop is not None
        assert self._store is not None
        future = asyncio.run_coroutine_threadsafe(work(self._store), self._loop)
        return future.result(TIMEOUT)

    def record_event(
        self,
        name: str,
        reason: str,
        message: str,
        *,
        kind: str = "FlinkDeployment",
        type_: str = "Normal",
        namespace: str = "default",
    ) -> None:
        uid = self.get(name, namespace=namespace, plural=plural_of(kind))["metadata"]["uid"]
        involved = InvolvedObject(kind, namespace, name, uid)
        event = EventRecord(
            involved, "Warning" if type_ == "Warning" else "Normal", reason, message
        )
        self.call(lambda store: store.record_event(event))

    def path(self, name: str | None, *, namespace: str, plural: str) -> str:
        base = f"{self.url}{API}/namespaces/{namespace}/{plural}"
        return base if name is None else f"{base}/{name}"

    def get(
        self, name: str, *, namespace: str = "default", plural: str = "flinkdeployments"
    ) -> Any:
        response = httpx.get(self.path(name, namespace=namespace, plural=plural))
        response.raise_for_status()
        return response.json()

    def exists(
        self, name: str, *, namespace: str = "default", plural: str = "flinkdeployments"
    ) -> bool:
        response = httpx.get(self.path(name, namespace=namespace, plural=plural))
        return response.status_code == 200

    def put(self, obj: dict[str, Any], *, plural: str = "flinkdeployments") -> Any:
        meta = obj["metadata"]
        path = self.path(meta["name"], namespace=meta["namespace"], plural=plural)
        response = httpx.put(path, json=obj)
        response.raise_for_status()
        return response.json()

    def create(self, obj: dict[str, Any], *, plural: str = "flinkdeployments") -> Any:
        namespace = obj["metadata"].get("namespace", "default")
        response = httpx.post(self.path(None, namespace=namespace, plural=plural), json=obj)
        response.raise_for_status()
        return response.json()

    def delete(
        self, name: str, *, namespace: str = "default", plural: str = "flinkdeployments"
    ) -> None:
        httpx.delete(self.path(name, namespace=namespace, plural=plural)).raise_for_status()

    def set_status(
        self,
        name: str,
        status: dict[str, Any],
        *,
        namespace: str = "default",
        plural: str = "flinkdeployments",
    ) -> Any:
        path = self.path(name, namespace=namespace, plural=plural) + "/status"
        response = httpx.put(path, json={"status": status})
        response.raise_for_status()
        return response.json()


def plural_of(kind: str) -> str:
    return {"FlinkDeployment": "flinkdeployments", "FlinkSessionJob": "flinksessionjobs"}.get(
        kind, "flinkstatesnapshots"
    )


def deployment(
    name: str = "basic",
    *,
    namespace: str | None = None,
    parallelism: int = 2,
    jar: str = JAR,
    labels: dict[str, str] | None = None,
    finalizers: list[str] | None = None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    if labels:
        metadata["labels"] = labels
    if finalizers:
        metadata["finalizers"] = finalizers
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": metadata,
        "spec": {
            "flinkVersion": "v2_3",
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
            "jobManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "taskManager": {"resource": {"memory": "1024m", "cpu": 1}},
            "job": {"jarURI": jar, "parallelism": parallelism, "upgradeMode": "stateless"},
        },
    }


def session_job(name: str = "sj", deployment_name: str = "session") -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkSessionJob",
        "metadata": {"name": name},
        "spec": {"deploymentName": deployment_name, "job": {"jarURI": JAR, "parallelism": 1}},
    }


def snapshot(name: str = "snap", job: str = "basic") -> dict[str, Any]:
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkStateSnapshot",
        "metadata": {"name": name},
        "spec": {
            "jobReference": {"kind": "FlinkDeployment", "name": job},
            "savepoint": {"path": "file:///tmp/savepoints"},
        },
    }


def manifest(*docs: dict[str, Any]) -> str:
    return yaml.safe_dump_all(list(docs), sort_keys=False)


def running_status(job_id: str = "00000000000000000000000000000001") -> dict[str, Any]:
    return {
        "lifecycleState": "STABLE",
        "jobManagerDeploymentStatus": "READY",
        "jobStatus": {"state": "RUNNING", "jobId": job_id, "jobName": "State machine job"},
        "clusterInfo": {"flink-version": "2.3.0"},
        "taskManager": {"labelSelector": "component=taskmanager", "replicas": 1},
        "reconciliationStatus": {"state": "DEPLOYED", "reconciliationTimestamp": 1764180000000},
        "conditions": [
            {
                "type": "Running",
                "status": "True",
                "reason": "Running",
                "message": "Job status RUNNING",
                "lastTransitionTime": "2026-11-26T18:00:00Z",
            }
        ],
    }


def eventually(check: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    """Poll `check` until true; fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def in_background(work: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread
