"""`scurry plan -f`: what an apply would do, readable or as data; nothing is written."""

from __future__ import annotations

import json
from typing import Any

import yaml
from clikit import LiveServer, Run, deployment, manifest, running_status, session_job

from scurry.core.reconciled import serialize
from scurry.errors import InvalidInput
from scurry.models.spec import FlinkDeploymentSpec

STATE_DIRS = {
    "execution.checkpointing.dir": "file:///tmp/scurry-test/checkpoints",
    "execution.checkpointing.savepoint-dir": "file:///tmp/scurry-test/savepoints",
}


def stateful(parallelism: int = 2, **job: Any) -> dict[str, Any]:
    obj = deployment(parallelism=parallelism)
    obj["spec"]["flinkConfiguration"].update(STATE_DIRS)
    obj["spec"]["job"].update(upgradeMode="savepoint", **job)
    return obj


def make_running(scurry: Run, live: LiveServer, obj: dict[str, Any]) -> None:
    """Applied, and running as the controller would have recorded it."""
    assert scurry("apply", "-f", "-", stdin=manifest(obj)).code == 0
    stored = live.get(obj["metadata"]["name"])
    text = serialize(FlinkDeploymentSpec.model_validate(stored["spec"]), first_deployment=False)
    status = running_status()
    status["observedGeneration"] = stored["metadata"]["generation"]
    status["jobStatus"]["startTime"] = "1767225600000"
    status["reconciliationStatus"].update(lastReconciledSpec=text, lastStableSpec=text)
    live.set_status(obj["metadata"]["name"], status)


def test_a_new_resource(scurry: Run, live: LiveServer) -> None:
    result = scurry("plan", "-f", "-", stdin=manifest(deployment()))

    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "+ flinkdeployment/basic: CREATE (first deployment, empty state)\n\nPlan: 1 create.\n"
    )
    assert not live.exists("basic")


def test_an_upgrade_says_how_the_job_stops_and_what_it_restores(
    scurry: Run, live: LiveServer
) -> None:
    make_running(scurry, live, stateful())

    result = scurry("plan", "-f", "-", stdin=manifest(stateful(parallelism=4)))

    assert result.code == 0
    assert result.out.splitlines()[:2] == [
        "~ flinkdeployment/basic: UPGRADE (stop with savepoint, restore from it)",
        "    job.parallelism: 2 -> 4  [UPGRADE]",
    ]
    assert live.get("basic")["spec"]["job"]["parallelism"] == 2


def test_several_documents_and_a_tally(scurry: Run, live: LiveServer) -> None:
    make_running(scurry, live, stateful())
    suspended = stateful(state="suspended")

    result = scurry("plan", "-f", "-", stdin=manifest(suspended, session_job()))

    blocks = result.out.split("\n\n")
    assert blocks[0].splitlines()[0] == "~ flinkdeployment/basic: SUSPEND (stop with savepoint)"
    assert "    job.state: running -> suspended  [UPGRADE]" in blocks[0]
    assert "    note: on resume the job restores from the upgrade savepoint" in blocks[0]
    assert blocks[1].startswith("+ flinksessionjob/sj: CREATE (first deployment, empty state)")
    assert blocks[-1] == "Plan: 1 suspend, 1 create.\n"


def test_unchanged(scurry: Run, live: LiveServer) -> None:
    make_running(scurry, live, stateful())

    result = scurry("plan", "-f", "-", stdin=manifest(stateful()))

    assert result.out.splitlines()[0] == "= flinkdeployment/basic: no change"


def test_a_refused_resource_is_reported_with_fkos_message(scurry: Run, live: LiveServer) -> None:
    invalid = deployment()
    del invalid["spec"]["flinkVersion"]

    result = scurry("plan", "-f", "-", stdin=manifest(invalid))

    assert result.code == 0
    assert result.out.splitlines()[:2] == [
        "! flinkdeployment/basic: REFUSED (admission)",
        "    error: Flink Version must be defined.",
    ]
    assert result.out.endswith("Plan: 1 refused.\n")


def test_output_json(scurry: Run, live: LiveServer) -> None:
    make_running(scurry, live, stateful())

    result = scurry("plan", "-o", "json", "-f", "-", stdin=manifest(stateful(parallelism=3)))

    [item] = json.loads(result.out)["items"]
    assert (item["action"], item["diffType"], item["suspend"], item["restore"]) == (
        "upgrade",
        "UPGRADE",
        "SAVEPOINT",
        "savepoint",
    )
    assert item["changes"] == [{"path": "job.parallelism", "old": 2, "new": 3, "type": "UPGRADE"}]


def test_output_yaml_in_a_namespace(scurry: Run, live: LiveServer) -> None:
    result = scurry("plan", "-n", "team", "-o", "yaml", "-f", "-", stdin=manifest(deployment()))

    [item] = yaml.safe_load(result.out)["items"]
    assert (item["namespace"], item["action"]) == ("team", "create")


def test_a_malformed_file_is_one_line_and_fails(scurry: Run, live: LiveServer) -> None:
    result = scurry("plan", "-f", "-", stdin="kind: [\n")

    assert result.code == InvalidInput.exit_code
    assert result.out == ""
    assert result.err.startswith("error: <stdin>: invalid YAML")
    assert result.err.count("\n") == 1


def test_output_name_is_refused(scurry: Run, live: LiveServer) -> None:
    result = scurry("plan", "-o", "name", "-f", "-", stdin=manifest(deployment()))

    assert result.code == InvalidInput.exit_code
    assert "not offered by plan" in result.err
