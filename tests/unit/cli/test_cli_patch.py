"""`scurry patch KIND NAME -p PATCH`: JSON merge patches, as `kubectl patch --type merge`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from clikit import LiveServer, Run, deployment

from scurry.errors import InvalidInput, NotFound

LINE = "flinkdeployment.flink.apache.org/basic"
PARALLELISM_4 = '{"spec": {"job": {"parallelism": 4}}}'


@pytest.fixture
def stored(live: LiveServer) -> LiveServer:
    live.create(deployment(labels={"app": "web", "tier": "stream"}))
    return live


def test_patch_changes_the_stored_spec(scurry: Run, stored: LiveServer) -> None:
    result = scurry("patch", "flinkdep", "basic", "-p", PARALLELISM_4)

    assert (result.code, result.out, result.err) == (0, f"{LINE} patched\n", "")
    obj = stored.get("basic")
    assert obj["spec"]["job"]["parallelism"] == 4
    assert obj["spec"]["job"]["upgradeMode"] == "stateless"
    assert obj["metadata"]["generation"] == 2


def test_the_same_patch_again_changes_nothing(scurry: Run, stored: LiveServer) -> None:
    scurry("patch", "flinkdep/basic", "-p", PARALLELISM_4, "--type", "merge")
    version = stored.get("basic")["metadata"]["resourceVersion"]

    result = scurry("patch", "flinkdep/basic", "-p", PARALLELISM_4, "--type", "merge")

    assert result.out == f"{LINE} patched (no change)\n"
    assert stored.get("basic")["metadata"]["resourceVersion"] == version


def test_null_removes_a_field(scurry: Run, stored: LiveServer) -> None:
    result = scurry("patch", "flinkdep", "basic", "-p", '{"metadata": {"labels": {"app": null}}}')

    assert result.out == f"{LINE} patched\n"
    assert stored.get("basic")["metadata"]["labels"] == {"tier": "stream"}
    assert stored.get("basic")["metadata"]["generation"] == 1


def test_output_prints_the_patched_object(scurry: Run, stored: LiveServer) -> None:
    as_json = json.loads(
        scurry("patch", "flinkdep", "basic", "-p", PARALLELISM_4, "-o", "json").out
    )
    as_yaml = yaml.safe_load(
        scurry("patch", "flinkdep", "basic", "-p", '{"spec":{"image":"x"}}', "-o", "yaml").out
    )

    assert as_json["spec"]["job"]["parallelism"] == 4
    assert as_yaml["spec"]["image"] == "x"
    assert as_yaml["metadata"]["generation"] == 3


def test_dry_run_shows_the_result_and_writes_nothing(scurry: Run, stored: LiveServer) -> None:
    plain = scurry("patch", "flinkdep", "basic", "-p", PARALLELISM_4, "--dry-run")
    shown = yaml.safe_load(
        scurry("patch", "flinkdep", "basic", "-p", PARALLELISM_4, "--dry-run", "-o", "yaml").out
    )

    assert plain.out == f"{LINE} patched (server dry run)\n"
    assert shown["spec"]["job"]["parallelism"] == 4
    assert shown["metadata"]["generation"] == 2
    assert stored.get("basic")["spec"]["job"]["parallelism"] == 2


def test_a_patch_file_and_a_namespace(scurry: Run, live: LiveServer, tmp_path: Path) -> None:
    live.create(deployment("basic", namespace="team"))
    patch = tmp_path / "patch.json"
    patch.write_text(PARALLELISM_4)

    result = scurry("patch", "flinkdep", "basic", "-n", "team", "--patch-file", str(patch))

    assert result.out == f"{LINE} patched\n"
    assert live.get("basic", namespace="team")["spec"]["job"]["parallelism"] == 4


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ('{"spec": ', "error: unable to parse the patch as JSON: Expecting value: line 1"),
        ("spec: {}", "error: unable to parse the patch as JSON: Expecting value: line 1"),
        ("[1, 2]", "error: a merge patch must be a JSON object"),
    ],
)
def test_a_bad_patch_is_one_line(scurry: Run, stored: LiveServer, patch: str, message: str) -> None:
    result = scurry("patch", "flinkdep", "basic", "-p", patch)

    assert result.code == InvalidInput.exit_code
    assert result.out == ""
    assert result.err.startswith(message)
    assert len(result.err.splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--type", "json"], "--type json: only merge patches are supported"),
        (["--type", "nope"], "--type must be one of merge, json, strategic"),
        ([], "exactly one of -p PATCH or --patch-file FILE"),
    ],
)
def test_refused_options(scurry: Run, args: list[str], message: str) -> None:
    if "--type" in args:
        args = [*args, "-p", "{}"]
    result = scurry("patch", "flinkdep", "basic", *args)

    assert result.code == InvalidInput.exit_code
    assert message in result.err


def test_a_kind_without_a_name_is_refused(scurry: Run) -> None:
    result = scurry("patch", "flinkdep", "-p", "{}")

    assert result.code == InvalidInput.exit_code
    assert "no name was specified" in result.err


def test_a_missing_object_reads_as_kubectl(scurry: Run, live: LiveServer) -> None:
    result = scurry("patch", "flinkdep", "nope", "-p", PARALLELISM_4)

    assert result.code == NotFound.exit_code
    assert result.err == (
        'Error from server (NotFound): flinkdeployments.flink.apache.org "nope" not found\n'
    )


def test_a_patch_breaking_a_rule_is_refused_by_the_server(scurry: Run, stored: LiveServer) -> None:
    result = scurry("patch", "flinkdep", "basic", "-p", '{"spec": {"job": {"parallelism": "x"}}}')

    assert result.code == InvalidInput.exit_code
    assert result.err.startswith("Error from server (BadRequest): ")
    assert "spec.job.parallelism" in result.err
    assert stored.get("basic")["spec"]["job"]["parallelism"] == 2
