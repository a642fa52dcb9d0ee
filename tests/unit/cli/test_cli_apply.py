"""`scurry apply`: created / configured / unchanged, and all-or-nothing on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clikit import LiveServer, Run, deployment, manifest, session_job

from scurry.cli.apply import desired_update
from scurry.cli.client import ApiClient, error_line
from scurry.errors import Conflict, InvalidInput, ValidationFailed
from scurry.models.manifest import normalize
from scurry.models.resources import FLINK_DEPLOYMENT

LINE = "flinkdeployment.flink.apache.org/basic"


def write(tmp_path: Path, text: str, name: str = "app.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_apply_creates_then_reports_unchanged_then_configured(
    scurry: Run, live: LiveServer, tmp_path: Path
) -> None:
    path = write(tmp_path, manifest(deployment()))

    first = scurry("apply", "-f", path)
    again = scurry("apply", "-f", path)
    write(tmp_path, manifest(deployment(parallelism=4)))
    changed = scurry("apply", "-f", path)

    assert (first.code, first.out) == (0, f"{LINE} created\n")
    assert (again.code, again.out) == (0, f"{LINE} unchanged\n")
    assert (changed.code, changed.out) == (0, f"{LINE} configured\n")
    stored = live.get("basic")
    assert stored["spec"]["job"]["parallelism"] == 4
    assert stored["metadata"]["generation"] == 2


def test_apply_reads_stdin_and_json_lists(scurry: Run, live: LiveServer) -> None:
    listed = {"apiVersion": "v1", "kind": "List", "items": [deployment("a"), deployment("b")]}

    result = scurry("apply", "-f", "-", stdin=json.dumps(listed))

    assert result.code == 0
    assert result.out.splitlines() == [
        "flinkdeployment.flink.apache.org/a created",
        "flinkdeployment.flink.apache.org/b created",
    ]
    assert live.exists("a")
    assert live.exists("b")


def test_a_bad_second_document_changes_nothing(
    scurry: Run, live: LiveServer, tmp_path: Path
) -> None:
    bad = deployment("second")
    bad["spec"]["job"]["parallelism"] = "lots"
    path = write(tmp_path, manifest(deployment("first"), bad))

    result = scurry("apply", "-f", path)

    assert result.code == InvalidInput.exit_code
    assert result.out == ""
    assert len(result.err.splitlines()) == 1
    assert "(document 2)" in result.err
    assert "spec.job.parallelism" in result.err
    assert not live.exists("first")


def test_a_second_document_refused_by_admission_changes_nothing(
    scurry: Run, live: LiveServer, tmp_path: Path
) -> None:
    path = write(
        tmp_path, manifest(deployment("first"), deployment("second", jar="local:///missing.jar"))
    )

    result = scurry("apply", "-f", path)

    assert result.code == ValidationFailed.exit_code
    assert result.err.startswith("Error from server (Invalid): ")
    assert "missing.jar" in result.err
    assert len(result.err.splitlines()) == 1
    assert not live.exists("first")


def test_malformed_yaml_names_the_line(scurry: Run, tmp_path: Path) -> None:
    path = write(tmp_path, "kind: FlinkDeployment\nmetadata: {name: [x\n")

    result = scurry("apply", "-f", path)

    assert result.code == InvalidInput.exit_code
    assert result.err.startswith(f"error: {path}: invalid YAML at line")
    assert len(result.err.splitlines()) == 1


def test_unknown_kind(scurry: Run, tmp_path: Path) -> None:
    doc = {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkThing",
        "metadata": {"name": "x"},
    }

    result = scurry("apply", "-f", write(tmp_path, manifest(doc)))

    assert result.code == InvalidInput.exit_code
    assert "kind: unknown kind 'FlinkThing'" in result.err


def test_invalid_name_is_refused_with_the_dns_rule(scurry: Run, tmp_path: Path) -> None:
    result = scurry("apply", "-f", write(tmp_path, manifest(deployment("Bad_Name"))))

    assert result.code == InvalidInput.exit_code
    assert "metadata.name: invalid value 'Bad_Name'" in result.err
    assert "RFC 1123" in result.err


def test_missing_artifact_is_refused_by_admission(
    scurry: Run, live: LiveServer, tmp_path: Path
) -> None:
    path = write(tmp_path, manifest(deployment(jar="local:///opt/flink/usrlib/missing.jar")))

    result = scurry("apply", "-f", path)

    assert result.code == ValidationFailed.exit_code
    assert result.err == (
        'Error from server (Invalid): FlinkDeployment "basic" is invalid: '
        "jarURI local:///opt/flink/usrlib/missing.jar: no such file\n"
    )
    assert not live.exists("basic")


def test_namespace_option_fills_in_and_refuses_a_mismatch(
    scurry: Run, live: LiveServer, tmp_path: Path
) -> None:
    created = scurry("apply", "-n", "team", "-f", write(tmp_path, manifest(deployment())))
    other = write(tmp_path, manifest(deployment("b", namespace="prod")), "b.yaml")
    mismatch = scurry("apply", "-n", "team", "-f", other)

    assert created.code == 0
    assert live.exists("basic", namespace="team")
    assert mismatch.code == InvalidInput.exit_code
    assert 'the namespace from the provided object "prod" does not match' in mismatch.err


def test_dry_run_writes_nothing(scurry: Run, live: LiveServer, tmp_path: Path) -> None:
    path = write(tmp_path, manifest(deployment()))

    result = scurry("apply", "--dry-run", "-f", path)

    assert result.out == f"{LINE} created (server dry run)\n"
    assert not live.exists("basic")


def test_apply_keeps_finalizers_the_controller_added(
    scurry: Run, live: LiveServer, tmp_path: Path
) -> None:
    path = write(tmp_path, manifest(deployment()))
    scurry("apply", "-f", path)
    stored = live.get("basic")
    stored["metadata"]["finalizers"] = ["flinkdeployments.flink.apache.org/finalizer"]
    live.put(stored)

    result = scurry("apply", "-f", path)

    assert result.out == f"{LINE} unchanged\n"
    assert live.get("basic")["metadata"]["finalizers"] == [
        "flinkdeployments.flink.apache.org/finalizer"
    ]


def test_a_write_over_a_stale_read_is_a_conflict(scurry: Run, live: LiveServer) -> None:
    scurry("apply", "-f", "-", stdin=manifest(deployment()))
    stale = live.get("basic")
    live.put({**stale, "spec": {**stale["spec"], "restartNonce": 1}})
    desired = desired_update(normalize(deployment(parallelism=3)), stale)

    with ApiClient(live.url) as client, pytest.raises(Conflict) as caught:
        client.replace(FLINK_DEPLOYMENT, desired)

    assert error_line(caught.value).startswith(
        "Error from server (Conflict): Operation cannot be fulfilled on "
        'flinkdeployments.flink.apache.org "basic": the object has been modified'
    )


def test_output_json_prints_what_was_stored(scurry: Run) -> None:
    result = scurry("apply", "-o", "json", "-f", "-", stdin=manifest(session_job()))

    obj = json.loads(result.out)
    assert obj["kind"] == "FlinkSessionJob"
    assert obj["metadata"]["resourceVersion"]


def test_missing_file(scurry: Run) -> None:
    result = scurry("apply", "-f", "/nonexistent.yaml")

    assert result.code == InvalidInput.exit_code
    assert result.err == 'error: the path "/nonexistent.yaml" does not exist\n'
