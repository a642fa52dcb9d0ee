"""FlinkRestClient against FakeFlinkCluster: every operation, and how failures surface."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scurry.errors import ArtifactError, NotFound, RuntimeFailure, Unavailable
from scurry.flinkrest import FlinkRestClient
from scurry.flinkrest.errors import MAX_MESSAGE, summarize
from scurry.testing.fake_flink import FakeFlinkCluster, FakeJob

URL = "http://127.0.0.1:21081"
JOB_ID = "0123456789abcdef0123456789abcdef"
SAVEPOINT = re.compile(r"file:/tmp/sp/savepoint-012345-[0-9a-f]{12}")
JAR_BYTES = b"PK\x03\x04" + b"x" * 200_000


@pytest.fixture
def flink() -> FakeFlinkCluster:
    return FakeFlinkCluster(config={"jobmanager.rpc.port": "26123"})


@pytest.fixture
def sent() -> list[httpx.Request]:
    """Every request the client sent, in order."""
    return []


@pytest.fixture
async def client(
    flink: FakeFlinkCluster, sent: list[httpx.Request]
) -> AsyncIterator[FlinkRestClient]:
    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return flink.handle(request)

    async with FlinkRestClient(URL, transport=httpx.MockTransport(record)) as client:
        yield client


@pytest.fixture
def jar(tmp_path: Path) -> Path:
    path = tmp_path / "flink-python-2.3.0.jar"
    path.write_bytes(JAR_BYTES)
    return path


async def submit(
    client: FlinkRestClient, jar: Path, *, job_id: str | None = JOB_ID, savepoint: str | None = None
) -> str:
    uploaded = await client.upload_jar(str(jar))
    result = await client.run_jar(
        uploaded.jar_id,
        entry_class="org.apache.flink.client.python.PythonDriver",
        args=["-py", "job.py", "--name", "orders"],
        parallelism=None,
        job_id=job_id,
        savepoint_path=savepoint,
        allow_non_restored_state=False,
    )
    return result.jobid


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


# -- cluster ------------------------------------------------------------------------------


async def test_overview_counts_taskmanagers_slots_and_running_jobs(
    client: FlinkRestClient, flink: FakeFlinkCluster, jar: Path
) -> None:
    flink.taskmanager_ids = ["tm-1", "tm-2"]
    await submit(client, jar)

    overview = await client.overview()

    assert (overview.taskmanagers, overview.slots_total, overview.slots_available) == (2, 4, 3)
    assert (overview.jobs_running, overview.flink_version) == (1, "2.3.0")


async def test_dashboard_config_reports_the_flink_version(client: FlinkRestClient) -> None:
    assert (await client.dashboard_config()).flink_version == "2.3.0"


async def test_jobmanager_config_becomes_a_dict(
    client: FlinkRestClient, flink: FakeFlinkCluster
) -> None:
    flink.config["rest.port"] = "21081"

    assert await client.jobmanager_config() == {
        "jobmanager.rpc.port": "26123",
        "rest.port": "21081",
    }


async def test_taskmanagers_lists_ids_and_free_slots(
    client: FlinkRestClient, flink: FakeFlinkCluster, jar: Path
) -> None:
    flink.taskmanager_ids = ["tm-1", "tm-2"]
    flink.slots_per_taskmanager = 1
    await submit(client, jar)

    tms = (await client.taskmanagers()).taskmanagers

    assert [(tm.id, tm.slots_number, tm.free_slots) for tm in tms] == [
        ("tm-1", 1, 0),
        ("tm-2", 1, 1),
    ]


# -- jars and jobs ------------------------------------------------------------------------


async def test_upload_jar_streams_a_multipart_jarfile(
    client: FlinkRestClient, flink: FakeFlinkCluster, sent: list[httpx.Request], jar: Path
) -> None:
    uploaded = await client.upload_jar(str(jar))

    assert re.fullmatch(r"[0-9a-f-]{36}_flink-python-2\.3\.0\.jar", uploaded.jar_id)
    assert uploaded.status == "success"
    assert flink.jars[uploaded.jar_id] == uploaded.filename
    request = sent[-1]
    assert (request.method, request.url.path) == ("POST", "/jars/upload")
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert int(request.headers["content-length"]) > len(JAR_BYTES)  # sized, not chunked
    disposition = b'name="jarfile"; filename="flink-python-2.3.0.jar"'
    assert disposition + b"\r\nContent-Type: application/x-java-archive" in request.content
    assert JAR_BYTES in request.content


async def test_upload_of_a_missing_jar_is_an_artifact_error(
    client: FlinkRestClient, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactError, match=r"cannot read jar .*missing\.jar"):
        await client.upload_jar(str(tmp_path / "missing.jar"))


async def test_run_jar_sends_only_given_fields_and_starts_the_job(
    client: FlinkRestClient, flink: FakeFlinkCluster, sent: list[httpx.Request], jar: Path
) -> None:
    job_id = await submit(client, jar)

    assert job_id == JOB_ID
    assert body(sent[-1]) == {
        "entryClass": "org.apache.flink.client.python.PythonDriver",
        "programArgsList": ["-py", "job.py", "--name", "orders"],
        "jobId": JOB_ID,
        "allowNonRestoredState": False,
    }
    assert sent[-1].extensions["timeout"]["read"] == 120.0  # a submit outlasts `timeout`
    details = await client.job(job_id)
    assert (details.jid, details.name, details.state) == (JOB_ID, "orders", "RUNNING")
    assert [vertex.parallelism for vertex in details.vertices] == [1]


async def test_run_jar_without_job_id_gets_a_generated_one(
    client: FlinkRestClient, jar: Path
) -> None:
    job_id = await submit(client, jar, job_id=None)

    assert re.fullmatch(r"[0-9a-f]{32}", job_id)


async def test_a_job_id_is_accepted_once_even_after_the_job_ended(
    client: FlinkRestClient, jar: Path
) -> None:
    await submit(client, jar)
    await client.cancel_job(JOB_ID)

    with pytest.raises(RuntimeFailure) as failure:
        await submit(client, jar)

    assert failure.value.message == (
        "DuplicateJobSubmissionException: Job has already been submitted."
    )


async def test_run_of_an_unknown_jar_fails(client: FlinkRestClient) -> None:
    with pytest.raises(RuntimeFailure, match=r"Jar file .*/nope\.jar does not exist"):
        await client.run_jar(
            "nope.jar",
            entry_class=None,
            args=[],
            parallelism=None,
            job_id=None,
            savepoint_path=None,
            allow_non_restored_state=False,
        )


async def test_new_jobs_may_show_initializing_first(
    client: FlinkRestClient, flink: FakeFlinkCluster, jar: Path
) -> None:
    flink.start_initializing = True
    job_id = await submit(client, jar)

    assert [job.state for job in await client.jobs_overview()] == ["INITIALIZING"]
    assert (await client.job(job_id)).state == "RUNNING"


async def test_jobs_overview_lists_every_job(
    client: FlinkRestClient, flink: FakeFlinkCluster
) -> None:
    flink.jobs[JOB_ID] = FakeJob(jid=JOB_ID, name="orders", state="FAILED", end_time=5)

    [summary] = await client.jobs_overview()

    assert (summary.jid, summary.name, summary.state, summary.end_time) == (
        JOB_ID,
        "orders",
        "FAILED",
        5,
    )


async def test_cancel_job_cancels_and_a_second_cancel_fails(
    client: FlinkRestClient, sent: list[httpx.Request], jar: Path
) -> None:
    job_id = await submit(client, jar)

    await client.cancel_job(job_id)

    assert (sent[-1].method, str(sent[-1].url)) == ("PATCH", f"{URL}/jobs/{JOB_ID}?mode=cancel")
    assert (await client.job(job_id)).state == "CANCELED"
    with pytest.raises(RuntimeFailure, match=r"already reached another terminal state \(CANCELED"):
        await client.cancel_job(job_id)


async def test_job_exceptions_returns_the_history(
    client: FlinkRestClient, flink: FakeFlinkCluster
) -> None:
    entry = {"exceptionName": "java.lang.RuntimeException", "stacktrace": "boom", "timestamp": 7}
    flink.jobs[JOB_ID] = FakeJob(jid=JOB_ID, state="RESTARTING", exceptions=[entry])

    [exception] = (await client.job_exceptions(JOB_ID)).exception_history.entries

    assert (exception.exception_name, exception.stacktrace) == (
        "java.lang.RuntimeException",
        "boom",
    )


# -- savepoints and checkpoints -----------------------------------------------------------


async def test_stop_job_takes_a_savepoint_and_finishes_the_job(
    client: FlinkRestClient, sent: list[httpx.Request], jar: Path
) -> None:
    job_id = await submit(client, jar)

    trigger = await client.stop_job(job_id, "file:///tmp/sp", drain=False)

    assert body(sent[-1]) == {"targetDirectory": "file:///tmp/sp", "drain": False}
    result = await client.savepoint_status(job_id, trigger)
    assert result.completed
    assert result.failure is None
    assert result.location
    assert SAVEPOINT.fullmatch(result.location)
    assert (await client.job(job_id)).state == "FINISHED"


async def test_savepoint_is_in_progress_then_completes_and_the_job_keeps_running(
    client: FlinkRestClient, flink: FakeFlinkCluster, sent: list[httpx.Request], jar: Path
) -> None:
    flink.operation_polls = 1
    job_id = await submit(client, jar)

    trigger = await client.trigger_savepoint(job_id, "/tmp/sp", False, "CANONICAL")

    assert body(sent[-1]) == {
        "target-directory": "/tmp/sp",
        "cancel-job": False,
        "formatType": "CANONICAL",
    }
    assert not (await client.savepoint_status(job_id, trigger)).completed
    done = await client.savepoint_status(job_id, trigger)
    assert done.completed
    assert done.location
    assert SAVEPOINT.fullmatch(done.location)
    assert (await client.job(job_id)).state == "RUNNING"
    latest = (await client.checkpoints(job_id)).latest
    assert latest.savepoint
    assert latest.savepoint.external_path == done.location


async def test_savepoint_without_a_directory_anywhere_fails_in_the_operation(
    client: FlinkRestClient, sent: list[httpx.Request], jar: Path
) -> None:
    job_id = await submit(client, jar)

    trigger = await client.trigger_savepoint(job_id, None, False, "CANONICAL")

    assert "target-directory" not in body(sent[-1])
    result = await client.savepoint_status(job_id, trigger)
    assert result.completed
    assert result.location is None
    assert result.failure
    assert "No savepoint directory configured" in result.failure


async def test_savepoint_uses_the_configured_default_directory(
    client: FlinkRestClient, flink: FakeFlinkCluster, jar: Path
) -> None:
    flink.config["execution.checkpointing.savepoint-dir"] = "file:///tmp/sp/"
    job_id = await submit(client, jar)

    trigger = await client.trigger_savepoint(job_id, None, True, "NATIVE")

    location = (await client.savepoint_status(job_id, trigger)).location
    assert location
    assert SAVEPOINT.fullmatch(location)
    assert (await client.job(job_id)).state == "CANCELED"


async def test_checkpoint_trigger_completes_with_its_id(
    client: FlinkRestClient, flink: FakeFlinkCluster, sent: list[httpx.Request], jar: Path
) -> None:
    flink.config["execution.checkpointing.dir"] = "file:///tmp/ckpt"
    job_id = await submit(client, jar)
    flink.complete_checkpoint(job_id)

    trigger = await client.trigger_checkpoint(job_id, "FULL")

    assert body(sent[-1]) == {"checkpointType": "FULL"}
    result = await client.checkpoint_status(job_id, trigger)
    assert (sent[-1].url.path, result.completed, result.checkpoint_id) == (
        f"/jobs/{JOB_ID}/checkpoints/{trigger}",
        True,
        2,
    )
    stats = await client.checkpoints(job_id)
    assert (stats.counts.completed, stats.latest.restored) == (2, None)
    assert stats.latest.completed
    assert stats.latest.completed.id == 2
    assert stats.latest.completed.external_path == f"file:/tmp/ckpt/{JOB_ID}/chk-2"


async def test_checkpoint_of_a_job_that_is_not_running_fails(
    client: FlinkRestClient, flink: FakeFlinkCluster
) -> None:
    flink.jobs[JOB_ID] = FakeJob(jid=JOB_ID, state="RESTARTING")

    trigger = await client.trigger_checkpoint(JOB_ID, "CONFIGURED")

    result = await client.checkpoint_status(JOB_ID, trigger)
    assert result.completed
    assert result.checkpoint_id is None
    assert result.failure
    assert "CheckpointException" in result.failure


async def test_a_trigger_id_is_only_known_to_its_own_kind(
    client: FlinkRestClient, jar: Path
) -> None:
    job_id = await submit(client, jar)
    trigger = await client.trigger_checkpoint(job_id, "FULL")

    with pytest.raises(NotFound, match="Operation not found under key"):
        await client.savepoint_status(job_id, trigger)


async def test_a_job_restored_from_a_savepoint_reports_it(
    client: FlinkRestClient, flink: FakeFlinkCluster, jar: Path
) -> None:
    old = await submit(client, jar)
    flink.complete_checkpoint(old)
    stopped = await client.savepoint_status(old, await client.stop_job(old, "/tmp/sp", False))
    assert stopped.location

    new = await submit(client, jar, job_id="f" * 32, savepoint=stopped.location)
    flink.complete_checkpoint(new)

    stats = await client.checkpoints(new)
    restored = stats.latest.restored
    assert restored
    assert (restored.id, restored.is_savepoint) == (2, True)
    assert restored.external_path == stopped.location
    assert stats.counts.restored == 1
    assert stats.latest.completed
    assert stats.latest.completed.id == 3


# -- failures -----------------------------------------------------------------------------


async def test_an_unknown_job_is_not_found_with_flinks_reason(client: FlinkRestClient) -> None:
    with pytest.raises(NotFound) as failure:
        await client.job(JOB_ID)

    assert (
        failure.value.message == f"FlinkJobNotFoundException: Could not find Flink job ({JOB_ID})"
    )


async def test_ids_are_escaped_into_one_path_segment(
    client: FlinkRestClient, sent: list[httpx.Request]
) -> None:
    with pytest.raises(NotFound, match="Not found"):
        await client.job("a/../overview")

    assert sent[-1].url.raw_path == b"/jobs/a%2F..%2Foverview"


@pytest.mark.parametrize("status", [400, 409, 500, 503])
async def test_other_error_statuses_are_runtime_failures(
    client: FlinkRestClient, flink: FakeFlinkCluster, status: int
) -> None:
    flink.fail_next["overview"] = (status, "something broke")

    with pytest.raises(RuntimeFailure, match=r"^something broke$"):
        await client.overview()
    assert (await client.overview()).taskmanagers == 1  # injected failures are one-shot


async def test_an_injected_404_is_not_found(
    client: FlinkRestClient, flink: FakeFlinkCluster
) -> None:
    flink.fail_next["jobs_overview"] = (404, "gone")

    with pytest.raises(NotFound, match=r"^gone$"):
        await client.jobs_overview()


async def test_an_unreachable_cluster_is_unavailable(
    client: FlinkRestClient, flink: FakeFlinkCluster
) -> None:
    flink.reachable = False

    with pytest.raises(Unavailable, match=f"^Flink REST API at {URL} is not reachable: .*refused"):
        await client.overview()


async def test_a_timeout_is_unavailable(client: FlinkRestClient, flink: FakeFlinkCluster) -> None:
    flink.fail_next["savepoint_status"] = httpx.ReadTimeout("timed out")

    with pytest.raises(Unavailable, match="not reachable: timed out"):
        await client.savepoint_status(JOB_ID, "t")


async def test_a_closed_port_is_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket is closed

    async with FlinkRestClient(f"http://127.0.0.1:{port}/", timeout=2) as client:
        with pytest.raises(Unavailable, match=rf"at http://127.0.0.1:{port} is not reachable"):
            await client.overview()


async def test_an_unexpected_answer_is_a_runtime_failure() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"jobs": "many"}))

    async with FlinkRestClient(URL, transport=transport) as client:
        with pytest.raises(
            RuntimeFailure, match="unexpected answer from Flink to GET /jobs/overview"
        ):
            await client.jobs_overview()


async def test_a_non_json_error_body_is_used_as_text() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(502, text="Bad Gateway"))

    async with FlinkRestClient(URL, transport=transport) as client:
        with pytest.raises(RuntimeFailure, match=r"^Bad Gateway$"):
            await client.overview()


async def test_an_empty_error_body_names_the_status() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(502))

    async with FlinkRestClient(URL, transport=transport) as client:
        with pytest.raises(RuntimeFailure, match=r"^Flink answered HTTP 502$"):
            await client.overview()


async def test_leaving_the_context_closes_the_client(flink: FakeFlinkCluster) -> None:
    async with flink.client() as client:
        await client.overview()

    with pytest.raises(RuntimeError, match="client has been closed"):
        await client.overview()


# -- reading Flink's stack traces ---------------------------------------------------------

SERVER_SIDE = [
    "Internal server error.",
    "<Exception on server side:\n"
    "org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\n"
    "\tat org.apache.flink.runtime.webmonitor.handlers.JarRunHandler.lambda$handleRequest$1"
    "(JarRunHandler.java:114)\n"
    "Caused by: java.util.concurrent.CompletionException: "
    "org.apache.flink.util.FlinkRuntimeException: Could not execute application.\n"
    "\t... 12 more\n"
    "Caused by: java.io.FileNotFoundException: Cannot find checkpoint or savepoint "
    "file/directory 'file:/tmp/sp/x' on file system 'file'.\n"
    "\tat org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess"
    ".resolveCheckpointPointer(AbstractFsCheckpointStorageAccess.java:291)\n"
    "\t... 3 more\n"
    "\nEnd of exception on server side>",
]


@pytest.mark.parametrize(
    ("errors", "expected"),
    [
        pytest.param(
            SERVER_SIDE,
            "FileNotFoundException: Cannot find checkpoint or savepoint file/directory"
            " 'file:/tmp/sp/x' on file system 'file'.",
            id="deepest-cause",
        ),
        pytest.param(["Not found: /jobs/x/nope"], "Not found: /jobs/x/nope", id="plain-message"),
        pytest.param(
            ["org.apache.flink.runtime.rest.NotFoundException: Job x not found\n\tat x.Y(Y:1)"],
            "NotFoundException: Job x not found",
            id="first-line-short-class",
        ),
        pytest.param(
            [
                "org.apache.flink.runtime.rest.handler.RestHandlerException: Timed out.\n"
                "Caused by: java.util.concurrent.TimeoutException\n\tat x.Y(Y.java:1)"
            ],
            "RestHandlerException: Timed out. (TimeoutException)",
            id="cause-without-message-keeps-context",
        ),
        pytest.param(["Internal server error."], "", id="only-noise"),
        pytest.param([], "", id="empty"),
    ],
)
def test_summarize_finds_the_most_useful_line(errors: list[str], expected: str) -> None:
    assert summarize(errors) == expected


def test_summarize_keeps_messages_short() -> None:
    summary = summarize(["Caused by: java.lang.IllegalStateException: " + "x" * 5000])

    assert len(summary) == MAX_MESSAGE < 500
    assert summary.startswith("IllegalStateException: xxx")
    assert summary.endswith("…")
