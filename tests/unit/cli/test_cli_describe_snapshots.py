"""A job's snapshots: the Snapshots section of `describe`, and `get flinkstatesnapshots --for`."""

from __future__ import annotations

from typing import Any

import pytest
from clikit import LiveServer, Run, deployment, manifest, running_status, session_job

from scurry.errors import InvalidInput

SNAPSHOTS = "flinkstatesnapshots"
SP = "file:///tmp/scurry-test/savepoints"


def snapshot(
    name: str,
    job: str = "basic",
    *,
    kind: str = "FlinkDeployment",
    checkpoint: bool = False,
    trigger: str | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"jobReference": {"kind": kind, "name": job}}
    spec["checkpoint" if checkpoint else "savepoint"] = {} if checkpoint else {"path": SP}
    metadata: dict[str, Any] = {"name": name}
    if trigger:
        metadata["labels"] = {"snapshot.trigger-type": trigger}
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkStateSnapshot",
        "metadata": metadata,
        "spec": spec,
    }


@pytest.fixture
def applied(scurry: Run, live: LiveServer) -> LiveServer:
    assert scurry("apply", "-f", "-", stdin=manifest(deployment(), session_job())).code == 0
    return live


def section(out: str) -> list[str]:
    """The lines of the Snapshots section (up to the next top-level key)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Snapshots:"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(" "))
    return lines[start:end]


def test_describe_lists_the_jobs_snapshots_newest_first(scurry: Run, applied: LiveServer) -> None:
    applied.create(snapshot("snap-1", trigger="UPGRADE"), plural=SNAPSHOTS)
    applied.create(snapshot("snap-2", checkpoint=True), plural=SNAPSHOTS)
    applied.create(snapshot("other-job", job="other"), plural=SNAPSHOTS)
    applied.create(snapshot("same-name-other-kind", kind="FlinkSessionJob"), plural=SNAPSHOTS)
    applied.set_status("snap-1", {"state": "COMPLETED", "path": f"{SP}/sp-1"}, plural=SNAPSHOTS)

    result = scurry("describe", "flinkdep", "basic")

    lines = section(result.out)
    assert lines[0] == "Snapshots:"
    assert lines[1].split() == ["Name", "Type", "Trigger", "State", "Path", "Age"]
    assert lines[3].split()[:4] == ["snap-2", "checkpoint", "MANUAL", "TRIGGER_PENDING"]
    assert lines[4].split()[:5] == ["snap-1", "savepoint", "UPGRADE", "COMPLETED", f"{SP}/sp-1"]
    assert len(lines) == 5


def test_a_session_job_has_its_own(scurry: Run, applied: LiveServer) -> None:
    applied.create(snapshot("mine", job="sj", kind="FlinkSessionJob"), plural=SNAPSHOTS)
    applied.create(snapshot("not-mine", job="sj"), plural=SNAPSHOTS)

    result = scurry("describe", "sessionjob", "sj")

    assert [line.split()[0] for line in section(result.out)[3:]] == ["mine"]


def test_ten_at_most_unless_all(scurry: Run, applied: LiveServer) -> None:
    for index in range(12):
        applied.create(snapshot(f"snap-{index:02}"), plural=SNAPSHOTS)

    few = section(scurry("describe", "flinkdep", "basic").out)
    every = section(scurry("describe", "flinkdep", "basic", "--all-snapshots").out)

    assert [line.split()[0] for line in few[3:13]] == [f"snap-{i:02}" for i in range(11, 1, -1)]
    assert few[13:] == ["  (2 more: --all-snapshots)"]
    assert len(every) == 3 + 12


def test_the_savepoints_the_status_records(scurry: Run, applied: LiveServer) -> None:
    status = running_status()
    status["jobStatus"]["upgradeSavepointPath"] = f"{SP}/sp-upgrade"
    status["jobStatus"]["savepointInfo"] = {
        "lastSavepoint": {
            "location": f"{SP}/sp-last",
            "timeStamp": 1767225600000,
            "triggerType": "UPGRADE",
        }
    }
    applied.set_status("basic", status)

    lines = section(scurry("describe", "flinkdep", "basic").out)

    assert lines == [
        "Snapshots:",
        f"  Last Savepoint:          {SP}/sp-last (UPGRADE, 2026-01-01T00:00:00Z)",
        f"  Upgrade Savepoint Path:  {SP}/sp-upgrade",
    ]


def test_no_snapshots(scurry: Run, applied: LiveServer) -> None:
    result = scurry("describe", "flinkdep", "basic")

    assert "Snapshots:    <none>" in result.out.splitlines()


def test_a_snapshot_has_no_snapshots_section(scurry: Run, applied: LiveServer) -> None:
    applied.create(snapshot("snap"), plural=SNAPSHOTS)

    result = scurry("describe", "flinksnp", "snap")

    assert "Snapshots:" not in result.out


def test_get_columns_are_fkos_printer_columns(scurry: Run, applied: LiveServer) -> None:
    applied.create(snapshot("snap"), plural=SNAPSHOTS)
    applied.set_status(
        "snap",
        {"state": "COMPLETED", "path": f"{SP}/sp", "resultTimestamp": "2026-01-01T00:00:00Z"},
        plural=SNAPSHOTS,
    )

    result = scurry("get", "flinkstatesnapshots")

    header, row = result.out.splitlines()
    assert header.split() == ["NAME", "PATH", "RESULT", "TIMESTAMP", "SNAPSHOT", "STATE", "AGE"]
    assert row.split()[:4] == ["snap", f"{SP}/sp", "2026-01-01T00:00:00Z", "COMPLETED"]


def test_get_for_one_job(scurry: Run, applied: LiveServer) -> None:
    applied.create(snapshot("mine"), plural=SNAPSHOTS)
    applied.create(snapshot("theirs", job="other"), plural=SNAPSHOTS)

    result = scurry("get", "flinksnp", "--for", "flinkdep/basic", "-o", "name")

    assert result.out == "flinkstatesnapshot.flink.apache.org/mine\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("get", "flinkdep", "--for", "flinkdep/basic"), "--for: offered for flinkstatesnapshots"),
        (("get", "flinksnp", "--for", "basic"), "--for: name one job as KIND/NAME"),
        (("get", "flinksnp", "--for", "flinkdep/basic", "-w"), "--for cannot be combined"),
    ],
)
def test_get_for_errors(
    scurry: Run, applied: LiveServer, args: tuple[str, ...], message: str
) -> None:
    result = scurry(*args)

    assert result.code == InvalidInput.exit_code
    assert result.err.startswith(f"error: {message}")
