"""`scurry suspend|resume|restart|savepoint|checkpoint NAME`.

The controller is not running here: the tests play it by writing the status
(`PUT .../status`) from a background thread while the CLI waits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from clikit import (
    LiveServer,
    Run,
    deployment,
    eventually,
    in_background,
    manifest,
    running_status,
    session_job,
)

from scurry.cli import jobs
from scurry.errors import InvalidInput, NotFound

SNAPSHOTS = "flinkstatesnapshots"
SP = "file:///tmp/scurry-test/savepoints/savepoint-abc"


@pytest.fixture(autouse=True)
def fast_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "POLL_INTERVAL", 0.02)


@pytest.fixture
def applied(scurry: Run, live: LiveServer) -> LiveServer:
    assert scurry("apply", "-f", "-", stdin=manifest(deployment())).code == 0
    live.set_status("basic", {**running_status(), "observedGeneration": 1})
    return live


def status_when(live: LiveServer, generation: int, status: dict[str, Any]) -> Callable[[], None]:
    """A controller stand-in: once the spec reaches `generation`, write `status`."""

    def work() -> None:
        eventually(lambda: live.get("basic")["metadata"]["generation"] >= generation)
        live.set_status("basic", {**status, "observedGeneration": generation})

    return work


# --- suspend, resume, restart --------------------------------------------------------------


def test_suspend_patches_the_job_state(scurry: Run, applied: LiveServer) -> None:
    result = scurry("suspend", "basic")

    assert (result.code, result.out) == (0, "flinkdeployment.flink.apache.org/basic suspended\n")
    stored = applied.get("basic")
    assert stored["spec"]["job"]["state"] == "suspended"
    assert stored["metadata"]["generation"] == 2


def test_resume_patches_the_job_state(scurry: Run, applied: LiveServer) -> None:
    scurry("suspend", "basic")

    result = scurry("resume", "basic")

    assert result.out == "flinkdeployment.flink.apache.org/basic resumed\n"
    assert applied.get("basic")["spec"]["job"]["state"] == "running"


def test_a_repeated_suspend_changes_nothing(scurry: Run, applied: LiveServer) -> None:
    scurry("suspend", "basic")

    result = scurry("suspend", "basic")

    assert result.out == "flinkdeployment.flink.apache.org/basic suspended (no change)\n"
    assert applied.get("basic")["metadata"]["generation"] == 2


def test_restart_bumps_the_restart_nonce(scurry: Run, applied: LiveServer) -> None:
    first = scurry("restart", "basic")
    second = scurry("restart", "basic")

    assert first.out == "flinkdeployment.flink.apache.org/basic restart requested\n"
    assert second.code == 0
    assert applied.get("basic")["spec"]["restartNonce"] == 2


def test_a_suspended_job_is_resumed_not_restarted(scurry: Run, applied: LiveServer) -> None:
    scurry("suspend", "basic")

    result = scurry("restart", "basic")

    assert result.code == InvalidInput.exit_code
    assert result.err == (
        "error: flinkdeployments/basic is suspended: `scurry resume basic` starts it\n"
    )
    assert "restartNonce" not in applied.get("basic")["spec"]


def test_a_session_job(scurry: Run, live: LiveServer) -> None:
    scurry("apply", "-f", "-", stdin=manifest(session_job()))

    result = scurry("suspend", "sj", "--kind", "sessionjob")

    assert result.out == "flinksessionjob.flink.apache.org/sj suspended\n"
    stored = live.get("sj", plural="flinksessionjobs")
    assert stored["spec"]["job"]["state"] == "suspended"


def test_a_session_cluster_has_no_job_to_suspend(scurry: Run, live: LiveServer) -> None:
    session = deployment("session")
    del session["spec"]["job"]
    scurry("apply", "-f", "-", stdin=manifest(session))

    result = scurry("suspend", "session")

    assert result.code == InvalidInput.exit_code
    assert result.err == (
        "error: flinkdeployments/session has no job (a session cluster): nothing to suspend\n"
    )


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("suspend", "nope"), NotFound.exit_code, "Error from server (NotFound)"),
        (("resume", "basic", "--kind", "flinksnp"), InvalidInput.exit_code, "error: --kind:"),
        (("restart", "basic", "--timeout", "soon"), InvalidInput.exit_code, "error: --timeout:"),
    ],
)
def test_errors(
    scurry: Run, applied: LiveServer, args: tuple[str, ...], code: int, message: str
) -> None:
    result = scurry(*args)

    assert result.code == code
    assert result.err.startswith(message)


def test_suspend_waits_until_suspended(scurry: Run, applied: LiveServer) -> None:
    worker = in_background(status_when(applied, 2, {"lifecycleState": "SUSPENDED"}))

    result = scurry("suspend", "basic", "--wait", "--timeout", "10s")
    worker.join()

    assert (result.code, result.err) == (0, "")


def test_a_stale_status_does_not_end_the_wait(scurry: Run, applied: LiveServer) -> None:
    """SUSPENDED for the previous generation is not the answer to this suspend."""
    stale = {"lifecycleState": "SUSPENDED", "observedGeneration": 1, "error": "Invalid spec"}
    applied.set_status("basic", stale)

    result = scurry("suspend", "basic", "--wait", "--timeout", "0.3")

    assert result.code == 1
    assert result.err == (
        "error: timed out waiting for flinkdeployments/basic "
        "(now SUSPENDED (job -): Invalid spec)\n"
    )


def test_resume_waits_for_a_running_job(scurry: Run, applied: LiveServer) -> None:
    scurry("suspend", "basic")
    worker = in_background(status_when(applied, 3, running_status()))

    result = scurry("resume", "basic", "--wait", "--timeout", "10s")
    worker.join()

    assert result.code == 0, result.err


def test_restart_waits_for_a_new_job(scurry: Run, applied: LiveServer) -> None:
    restarted = running_status(job_id="00000000000000000000000000000002")
    worker = in_background(status_when(applied, 2, restarted))

    result = scurry("restart", "basic", "--wait", "--timeout", "10s")
    worker.join()

    assert result.code == 0, result.err


def test_restart_is_done_only_with_a_new_job_id() -> None:
    before = {"status": running_status()}
    after = {"metadata": {"generation": 2}}
    same = {"status": {**running_status(), "observedGeneration": 2}}
    new = {"status": {**running_status(job_id="2"), "observedGeneration": 2}}

    assert not jobs._judge(jobs.RESTART, before, after, same).done
    assert jobs._judge(jobs.RESTART, before, after, new).done


def test_a_failed_job_ends_the_wait(scurry: Run, applied: LiveServer) -> None:
    failed = {"lifecycleState": "FAILED", "error": "java.lang.OutOfMemoryError"}
    worker = in_background(status_when(applied, 2, failed))

    result = scurry("restart", "basic", "--wait", "--timeout", "10s")
    worker.join()

    assert result.code == 1
    assert result.err == "error: the job FAILED: java.lang.OutOfMemoryError\n"


# --- savepoint, checkpoint -------------------------------------------------------------------


def listed(live: LiveServer) -> list[dict[str, Any]]:
    response = httpx.get(live.path(None, namespace="default", plural=SNAPSHOTS))
    response.raise_for_status()
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def the_snapshot(live: LiveServer) -> dict[str, Any]:
    """The one snapshot the CLI created, once it exists."""
    found: list[dict[str, Any]] = []

    def created() -> bool:
        found[:] = listed(live)
        return bool(found)

    eventually(created)
    return found[0]


def snapshot_controller(live: LiveServer, *statuses: dict[str, Any]) -> Callable[[], None]:
    """Write each status in turn to the snapshot the CLI creates (no controller runs here)."""

    def work() -> None:
        name = the_snapshot(live)["metadata"]["name"]
        for status in statuses:
            live.set_status(name, status, plural=SNAPSHOTS)

    return work


def test_savepoint_waits_and_prints_the_path(scurry: Run, applied: LiveServer) -> None:
    worker = in_background(
        snapshot_controller(
            applied,
            {"state": "IN_PROGRESS", "triggerId": "t1"},
            {"state": "COMPLETED", "path": SP, "resultTimestamp": "2026-01-01T00:00:00Z"},
        )
    )

    result = scurry("savepoint", "basic", "--timeout", "10s")
    worker.join()

    assert result.code == 0, result.err
    created, completed = result.out.splitlines()
    name = re.fullmatch(r"flinkstatesnapshot\.flink\.apache\.org/(.+) created", created)
    assert name is not None
    assert re.fullmatch(r"basic-savepoint-manual-\d{13}", name.group(1))
    assert completed == f"savepoint completed: {SP}"
    snapshot = the_snapshot(applied)
    assert snapshot["spec"] == {
        "jobReference": {"kind": "FlinkDeployment", "name": "basic"},
        "savepoint": {"formatType": "CANONICAL", "disposeOnDelete": True, "alreadyExists": False},
        "backoffLimit": -1,
    }


def test_savepoint_path_and_format(scurry: Run, applied: LiveServer) -> None:
    result = scurry(
        "savepoint", "basic", "--path", "file:///tmp/sp", "--format", "native", "--no-wait"
    )

    assert result.code == 0
    assert result.out.endswith(" created\n")
    savepoint = the_snapshot(applied)["spec"]["savepoint"]
    assert (savepoint["path"], savepoint["formatType"]) == ("file:///tmp/sp", "NATIVE")


@pytest.mark.parametrize("state", ["FAILED", "ABANDONED"])
def test_a_snapshot_that_fails_reports_its_error(
    scurry: Run, applied: LiveServer, state: str
) -> None:
    worker = in_background(
        snapshot_controller(applied, {"state": state, "error": "Job basic is not running"})
    )

    result = scurry("savepoint", "basic", "--timeout", "10s")
    worker.join()

    assert result.code == 1
    assert re.fullmatch(
        rf"error: savepoint basic-savepoint-manual-\d+ {state}: Job basic is not running\n",
        result.err,
    )


def test_a_snapshot_that_takes_too_long(scurry: Run, applied: LiveServer) -> None:
    result = scurry("savepoint", "basic", "--timeout", "0.3")

    assert result.code == 1
    assert re.match(
        r"error: timed out waiting for flinkstatesnapshots/basic-savepoint-manual-\d+ "
        r"\(state TRIGGER_PENDING\); it goes on: scurry get flinkstatesnapshot ",
        result.err,
    )


def test_checkpoint(scurry: Run, applied: LiveServer) -> None:
    path = "file:///tmp/scurry-test/checkpoints/j1/chk-7"
    worker = in_background(snapshot_controller(applied, {"state": "COMPLETED", "path": path}))

    result = scurry("checkpoint", "basic", "--timeout", "10s")
    worker.join()

    assert result.out.splitlines()[-1] == f"checkpoint completed: {path}"
    snapshot = the_snapshot(applied)
    assert re.fullmatch(r"basic-checkpoint-manual-\d{13}", snapshot["metadata"]["name"])
    assert snapshot["spec"]["checkpoint"] == {}
    assert "savepoint" not in snapshot["spec"]


def test_a_snapshot_of_a_session_job(scurry: Run, live: LiveServer) -> None:
    scurry("apply", "-f", "-", stdin=manifest(session_job()))

    result = scurry("checkpoint", "sj", "--kind", "flinksessionjob", "--no-wait")

    assert result.code == 0
    reference = the_snapshot(live)["spec"]["jobReference"]
    assert reference == {"kind": "FlinkSessionJob", "name": "sj"}


def test_no_snapshot_of_a_missing_job(scurry: Run, live: LiveServer) -> None:
    result = scurry("savepoint", "nope")

    assert result.code == NotFound.exit_code
    assert listed(live) == []
