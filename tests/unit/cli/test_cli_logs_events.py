"""`scurry logs` (with --tail, --taskmanager, --follow) and `scurry events`."""

from __future__ import annotations

import json

import httpx
import pytest
from clikit import LiveServer, Result, Run, deployment, eventually, in_background, manifest

from scurry.errors import InvalidInput, NotFound

JM_LOG = "".join(f"jobmanager line {i}\n" for i in range(1, 6))


@pytest.fixture
def deployed(scurry: Run, live: LiveServer) -> LiveServer:
    assert scurry("apply", "-f", "-", stdin=manifest(deployment())).code == 0
    live.runtime.log_texts[("default", "basic", "jobmanager", 0)] = JM_LOG
    live.runtime.log_texts[("default", "basic", "taskmanager", 1)] = "taskmanager 1 says hi\n"
    return live


def test_logs(scurry: Run, deployed: LiveServer) -> None:
    assert scurry("logs", "basic").out == JM_LOG


def test_logs_tail_and_taskmanager(scurry: Run, deployed: LiveServer) -> None:
    tail = scurry("logs", "basic", "--tail", "2")
    tm = scurry("logs", "flinkdep/basic", "--taskmanager", "1")

    assert tail.out == "jobmanager line 4\njobmanager line 5\n"
    assert tm.out == "taskmanager 1 says hi\n"


def test_logs_of_a_missing_deployment(scurry: Run, live: LiveServer) -> None:
    result = scurry("logs", "nope")

    assert result.code == NotFound.exit_code
    assert result.err == (
        'Error from server (NotFound): flinkdeployments.flink.apache.org "nope" not found\n'
    )


def test_logs_of_another_kind_are_refused(scurry: Run) -> None:
    result = scurry("logs", "sessionjob/x")

    assert result.code == InvalidInput.exit_code


def test_follow_prints_what_is_appended_until_the_deployment_goes(
    scurry: Run, deployed: LiveServer
) -> None:
    key = ("default", "basic", "jobmanager", 0)
    runtime = deployed.runtime
    outcome: list[Result] = []
    follower = in_background(lambda: outcome.append(scurry("logs", "basic", "--tail", "1", "-f")))

    # The fake has no log file: the server follows by re-reading the log (every 0.5s).
    # Whatever is appended before the deletion is sent before the stream ends.
    eventually(lambda: runtime.log_reads >= 1)
    runtime.log_texts[key] += "appended 1\n"
    eventually(lambda: runtime.log_reads >= 2)
    runtime.log_texts[key] += "appended 2\n"
    eventually(lambda: runtime.log_reads >= 3)
    httpx.delete(deployed.path("basic", namespace="default", plural="flinkdeployments"))
    follower.join(10)

    assert outcome, "logs -f did not end after the deployment was deleted"
    assert outcome[0].code == 0
    assert outcome[0].out == "jobmanager line 5\nappended 1\nappended 2\n"


def test_events_table_sorted_by_last_seen(scurry: Run, deployed: LiveServer) -> None:
    deployed.record_event("basic", "Submit", "Starting deployment")
    deployed.record_event("basic", "JobStatusChanged", "RUNNING")

    result = scurry("events")

    header, *rows = result.out.splitlines()
    assert header.split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert [row.split()[2] for row in rows] == ["Submit", "JobStatusChanged"]
    assert rows[0].split()[3] == "FlinkDeployment/basic"


def test_events_for_one_object_and_across_namespaces(scurry: Run, live: LiveServer) -> None:
    scurry("apply", "-f", "-", stdin=manifest(deployment("a"), deployment("b", namespace="team")))
    live.record_event("a", "Submit", "about a")
    live.record_event("b", "Submit", "about b", namespace="team")

    only_a = scurry("events", "--for", "flinkdep/a")
    everywhere = scurry("events", "-A")
    as_json = json.loads(scurry("events", "-n", "team", "-o", "json").out)

    assert "about a" in only_a.out
    assert "about b" not in only_a.out
    assert [line.split()[0] for line in everywhere.out.splitlines()[1:]] == ["default", "team"]
    assert [e["message"] for e in as_json["items"]] == ["about b"]


def test_no_events(scurry: Run, live: LiveServer) -> None:
    result = scurry("events")

    assert (result.code, result.out, result.err) == (
        0,
        "",
        "No events found in default namespace.\n",
    )
