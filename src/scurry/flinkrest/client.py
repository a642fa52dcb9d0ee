"""The typed async client of the Flink JobManager REST API, shared by both runtimes.

It implements `scurry.ports.FlinkApi` over `httpx.AsyncClient`. Every request
goes through `_send`, the one place where transport failures become
`Unavailable` and Flink's error answers become `NotFound`/`RuntimeFailure`;
callers never see an httpx exception. Tests swap the transport
(`scurry.testing.fake_flink.FakeFlinkCluster.transport()`), not the client.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from scurry.errors import ArtifactError, RuntimeFailure
from scurry.flinkrest.errors import http_error, unreachable
from scurry.models.flinkrest import (
    AggregatedMetric,
    CheckpointStatistics,
    ClusterOverview,
    ConfigEntries,
    DashboardConfig,
    JarRunResult,
    JarUploadResult,
    JobDetails,
    JobExceptions,
    JobPlan,
    JobsOverview,
    JobSummary,
    OperationResult,
    TaskManagerList,
    TriggerResponse,
)

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

JAR_CONTENT_TYPE = "application/x-java-archive"


class FlinkRestClient:
    """One JobManager's REST API, e.g. `FlinkRestClient("http://127.0.0.1:21081")`.

    `timeout` bounds each phase (connect, read, write) of ordinary calls.
    Jar upload and run get `submit_timeout`: `/jars/<id>/run` answers only once
    the program has built and submitted its job (the PythonDriver takes 5 s on
    an idle machine and over 30 s on a loaded one).
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        submit_timeout: float = 120.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._submit_timeout = submit_timeout
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, transport=transport)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.aclose()

    # -- cluster ----------------------------------------------------------------------------

    async def overview(self) -> ClusterOverview:
        return await self._get("/overview", ClusterOverview)

    async def dashboard_config(self) -> DashboardConfig:
        return await self._get("/config", DashboardConfig)

    async def jobmanager_config(self) -> dict[str, str]:
        """The JobManager's effective configuration; tells one cluster from another on a port."""
        return (await self._get("/jobmanager/config", ConfigEntries)).as_dict()

    async def taskmanagers(self) -> TaskManagerList:
        return await self._get("/taskmanagers", TaskManagerList)

    # -- jobs -------------------------------------------------------------------------------

    async def jobs_overview(self) -> list[JobSummary]:
        return (await self._get("/jobs/overview", JobsOverview)).jobs

    async def job(self, job_id: str) -> JobDetails:
        return await self._get(_path("jobs", job_id), JobDetails)

    async def job_exceptions(self, job_id: str) -> JobExceptions:
        return await self._get(_path("jobs", job_id, "exceptions"), JobExceptions)

    async def upload_jar(self, path: str) -> JarUploadResult:
        """Upload a jar as multipart field `jarfile`, streamed from disk (flink-python is 42 MB)."""
        jar = Path(path)
        with await _open_jar(jar) as stream:
            files = {"jarfile": (jar.name, stream, JAR_CONTENT_TYPE)}
            response = await self._send(
                "POST", "/jars/upload", files=files, timeout=self._submit_timeout
            )
        return _decode(response, JarUploadResult)

    async def run_jar(
        self,
        jar_id: str,
        *,
        entry_class: str | None,
        args: list[str],
        parallelism: int | None,
        job_id: str | None,
        savepoint_path: str | None,
        allow_non_restored_state: bool,
        flink_configuration: dict[str, str] | None = None,
    ) -> JarRunResult:
        """Submit a job from an uploaded jar; a given `job_id` makes a retried submit safe."""
        body = {
            "entryClass": entry_class,
            "programArgsList": args,
            "parallelism": parallelism,
            "jobId": job_id,
            "savepointPath": savepoint_path,
            "allowNonRestoredState": allow_non_restored_state,
            "flinkConfiguration": flink_configuration or None,
        }
        path = _path("jars", jar_id, "run")
        response = await self._send(
            "POST", path, json=_without_none(body), timeout=self._submit_timeout
        )
        return _decode(response, JarRunResult)

    async def cancel_job(self, job_id: str) -> None:
        await self._send("PATCH", _path("jobs", job_id), params={"mode": "cancel"})

    # -- savepoints and checkpoints ---------------------------------------------------------

    async def stop_job(
        self,
        job_id: str,
        target_directory: str | None,
        drain: bool,
        *,
        trigger_id: str | None = None,
        format_type: str | None = None,
    ) -> str:
        """Stop with a savepoint; poll `savepoint_status` with the returned trigger id.

        A given `trigger_id` makes the request idempotent: Flink answers a repeat
        with the same operation instead of starting another.
        """
        body = {
            "targetDirectory": target_directory,
            "drain": drain,
            "triggerId": trigger_id,
            "formatType": format_type,
        }
        return await self._trigger(_path("jobs", job_id, "stop"), body)

    async def trigger_savepoint(
        self,
        job_id: str,
        target_directory: str | None,
        cancel_job: bool,
        format_type: str,
        *,
        trigger_id: str | None = None,
    ) -> str:
        body = {
            "target-directory": target_directory,
            "cancel-job": cancel_job,
            "formatType": format_type,
            "triggerId": trigger_id,
        }
        return await self._trigger(_path("jobs", job_id, "savepoints"), body)

    async def savepoint_status(self, job_id: str, trigger_id: str) -> OperationResult:
        """Status of a savepoint or stop-with-savepoint; `location` once COMPLETED."""
        return await self._get(_path("jobs", job_id, "savepoints", trigger_id), OperationResult)

    async def trigger_checkpoint(
        self, job_id: str, checkpoint_type: str, *, trigger_id: str | None = None
    ) -> str:
        """`checkpoint_type` is FULL, INCREMENTAL or CONFIGURED."""
        body = {"checkpointType": checkpoint_type, "triggerId": trigger_id}
        return await self._trigger(_path("jobs", job_id, "checkpoints"), body)

    async def checkpoint_status(self, job_id: str, trigger_id: str) -> OperationResult:
        """Status of a triggered checkpoint; `checkpoint_id` once COMPLETED."""
        return await self._get(_path("jobs", job_id, "checkpoints", trigger_id), OperationResult)

    async def checkpoints(self, job_id: str) -> CheckpointStatistics:
        return await self._get(_path("jobs", job_id, "checkpoints"), CheckpointStatistics)

    async def job_metrics(self, job_id: str, names: list[str]) -> dict[str, str]:
        """Job-level metrics (`numRestarts`, ...) by name; absent ones are left out."""
        response = await self._send(
            "GET", _path("jobs", job_id, "metrics"), params={"get": ",".join(names)}
        )
        items = response.json()
        return {
            str(i["id"]): str(i.get("value")) for i in items if isinstance(i, dict) and "id" in i
        }

    async def job_plan(self, job_id: str) -> JobPlan:
        return await self._get(_path("jobs", job_id, "plan"), JobPlan)

    async def vertex_metrics(
        self, job_id: str, vertex_id: str, names: list[str] | None = None
    ) -> list[AggregatedMetric]:
        """Subtask metrics of a vertex aggregated (sum and max) over its subtasks; without
        `names`, the ids of the metrics the vertex has (values then absent)."""
        params = {"get": ",".join(names), "agg": "sum,max"} if names else {}
        path = _path("jobs", job_id, "vertices", vertex_id, "subtasks", "metrics")
        response = await self._send("GET", path, params=params)
        items = response.json()
        if not isinstance(items, list):
            return []
        return [AggregatedMetric.model_validate(i) for i in items if isinstance(i, dict)]

    async def set_parallelism(self, job_id: str, parallelism: dict[str, int]) -> None:
        """Ask the adaptive scheduler to run each vertex with the given parallelism."""
        body = {
            vid: {"parallelism": {"lowerBound": 1, "upperBound": p}}
            for vid, p in parallelism.items()
        }
        await self._send("PUT", _path("jobs", job_id, "resource-requirements"), json=body)

    # -- plumbing ---------------------------------------------------------------------------

    async def _get(self, path: str, model: type[M]) -> M:
        return _decode(await self._send("GET", path), model)

    async def _trigger(self, path: str, body: dict[str, Any]) -> str:
        response = await self._send("POST", path, json=_without_none(body))
        return _decode(response, TriggerResponse).request_id

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The one place where httpx failures and Flink's error answers become scurry errors."""
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise unreachable(self.base_url, exc) from exc
        if response.is_error:
            log.debug(
                "Flink answered %s %s with %s: %s",
                method,
                path,
                response.status_code,
                response.text,
            )
            raise http_error(response)
        return response


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _decode(response: httpx.Response, model: type[M]) -> M:
    """Parse an answer; a shape we cannot read is a failed call, not a crash of the caller."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        request = response.request
        reason = exc.errors()[0]["msg"] if exc.errors() else str(exc)
        raise RuntimeFailure(
            f"unexpected answer from Flink to {request.method} {request.url.path}: {reason}"
        ) from exc


async def _open_jar(jar: Path) -> BinaryIO:
    """Open the jar off the event loop; a missing jar is an artifact error, not a Flink one."""
    try:
        return await asyncio.to_thread(_open_binary, jar)
    except OSError as exc:
        raise ArtifactError(f"cannot read jar {jar}: {exc.strerror or exc}") from exc


def _open_binary(path: Path) -> BinaryIO:
    return path.open("rb")


def _path(*segments: str) -> str:
    """A URL path from ids, each escaped so an id can never address another resource."""
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


def _without_none(body: dict[str, Any]) -> dict[str, Any]:
    """Flink applies its own defaults to absent fields, not to nulls in every handler."""
    return {key: value for key, value in body.items() if value is not None}


if TYPE_CHECKING:  # mypy proves the client is a FlinkApi; nothing happens at run time
    from scurry.ports import FlinkApi

    _IMPLEMENTS_FLINK_API: type[FlinkApi] = FlinkRestClient
