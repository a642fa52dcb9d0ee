"""`scurry wait`: conditions, JSONPath values, deletion, timeouts."""

from __future__ import annotations

import threading

import httpx
import pytest
from clikit import LiveServer, Run, deployment, manifest, running_status

from scurry.errors import InvalidInput, NotFound


@pytest.fixture
def applied(scurry: Run, live: LiveServer) -> LiveServer:
    assert scurry("apply", "-f", "-", stdin=manifest(deployment())).code == 0
    return live


def test_condition_already_true(scurry: Run, applied: LiveServer) -> None:
    applied.set_status("basic", running_status())

    result = scurry("wait", "flinkdep/basic", "--for", "condition=Running")

    assert (result.code, result.out) == (
        0,
        "flinkdeployment.flink.apache.org/basic condition met\n",
    )


def test_condition_that_becomes_true(scurry: Run, applied: LiveServer) -> None:
    pending = running_status()
    pending["conditions"][0]["status"] = "False"
    applied.set_status("basic", pending)
    later = threading.Timer(0.3, lambda: applied.set_status("basic", running_status()))
    later.start()

    result = scurry(
        "wait", "flinkdeployment", "basic", "--for", "condition=Running", "--timeout", "30s"
    )
    later.join()

    assert result.code == 0, result.err


def test_condition_with_a_status(scurry: Run, applied: LiveServer) -> None:
    pending = running_status()
    pending["conditions"][0]["status"] = "False"
    applied.set_status("basic", pending)

    result = scurry("wait", "flinkdep/basic", "--for", "condition=Running=False", "--timeout", "1s")

    assert result.code == 0


@pytest.mark.parametrize(
    "expression",
    [
        "jsonpath={.status.lifecycleState}=STABLE",
        "jsonpath='{.status.lifecycleState}'=STABLE",
        "jsonpath={.status.clusterInfo['flink-version']}=2.3.0",
        'jsonpath={.status.clusterInfo["flink-version"]}=2.3.0',
        "jsonpath={.status.conditions[0].status}=True",
        "jsonpath={.status.taskManager.replicas}=1",
        "jsonpath={.status.jobStatus.jobId}",
        "jsonpath=.status.lifecycleState=STABLE",
    ],
)
def test_jsonpath(scurry: Run, applied: LiveServer, expression: str) -> None:
    applied.set_status("basic", running_status())

    result = scurry("wait", "flinkdep/basic", "--for", expression, "--timeout", "2s")

    assert result.code == 0, result.err


def test_timeout_reads_as_kubectl(scurry: Run, applied: LiveServer) -> None:
    result = scurry(
        "wait",
        "flinkdep/basic",
        "--for",
        "jsonpath={.status.lifecycleState}=STABLE",
        "--timeout",
        "0.5s",
    )

    assert result.code == 1
    assert result.err == "error: timed out waiting for the condition on flinkdeployments/basic\n"


def test_for_delete(scurry: Run, applied: LiveServer) -> None:
    path = applied.path("basic", namespace="default", plural="flinkdeployments")
    later = threading.Timer(0.3, lambda: httpx.delete(path).raise_for_status())
    later.start()

    result = scurry("wait", "flinkdep/basic", "--for", "delete", "--timeout", "30s")
    later.join()

    assert (result.code, result.out) == (0, "flinkdeployment.flink.apache.org/basic deleted\n")


def test_a_missing_object_is_an_error(scurry: Run, live: LiveServer) -> None:
    result = scurry("wait", "flinkdep/nope", "--for", "condition=Running", "--timeout", "5s")

    assert result.code == NotFound.exit_code
    assert result.err.startswith("Error from server (NotFound):")


@pytest.mark.parametrize("wanted", ["", "ready", "condition=", "jsonpath={status}"])
def test_bad_for(scurry: Run, applied: LiveServer, wanted: str) -> None:
    result = scurry("wait", "flinkdep/basic", "--for", wanted)

    assert result.code == InvalidInput.exit_code
    assert len(result.err.splitlines()) == 1


def test_bad_timeout(scurry: Run, applied: LiveServer) -> None:
    result = scurry("wait", "flinkdep/basic", "--for", "delete", "--timeout", "soon")

    assert result.code == InvalidInput.exit_code
    assert "--timeout: invalid duration 'soon'" in result.err
