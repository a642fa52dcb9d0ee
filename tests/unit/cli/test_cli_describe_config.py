"""`scurry describe`: the effective Flink configuration, defaulted keys with their source."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from clikit import LiveServer, Run, deployment, manifest, snapshot

from scurry.cli.describe import describe_object

SECTION = "Effective Flink Configuration:"
DEFAULTS = """
pipeline.object-reuse: true
kubernetes.operator.default-configuration.namespace.default.state.backend.type: rocksdb
kubernetes.operator.default-configuration.flink-version.v2_3.taskmanager.numberOfTaskSlots: 4
"""


@pytest.fixture(autouse=True)
def defaults_file(installation: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SCURRY_DEFAULTS_FILE", raising=False)
    installation.mkdir(parents=True, exist_ok=True)
    path = installation / "defaults.yaml"
    path.write_text(DEFAULTS)
    return path


def section(out: str) -> list[str]:
    lines = out.splitlines()
    start = lines.index(SECTION) + 1
    end = next(i for i, line in enumerate(lines) if i > start and not line.startswith("  "))
    return lines[start:end]


def test_describe_lists_defaulted_keys_with_their_source(scurry: Run, live: LiveServer) -> None:
    scurry("apply", "-f", "-", stdin=manifest(deployment()))

    result = scurry("describe", "flinkdep", "basic")

    assert result.code == 0
    lines = section(result.out)
    assert "  pipeline.object-reuse: true  (defaults)" in lines
    assert "  state.backend.type: rocksdb  (namespace)" in lines
    assert "  web.cancel.enable: false  (scurry)" in lines
    assert "  parallelism.default: 2  (resources)" in lines
    assert not [line for line in lines if "numberOfTaskSlots" in line]  # the resource sets it
    ordered = [line.split(":")[0] for line in result.out.splitlines() if line[:1].isalpha()]
    assert ordered[-2:] == [SECTION[:-1], "Events"]


def test_show_config_lists_every_key(scurry: Run, live: LiveServer) -> None:
    scurry("apply", "-f", "-", stdin=manifest(deployment()))

    result = scurry("describe", "flinkdep", "basic", "--show-config")

    lines = section(result.out)
    assert "  taskmanager.numberOfTaskSlots: 2  (resource)" in lines
    assert "  pipeline.object-reuse: true  (defaults)" in lines
    assert lines == sorted(lines)


def test_a_session_job_shows_the_defaults_of_its_session_cluster(
    scurry: Run, live: LiveServer
) -> None:
    session = deployment("session")
    del session["spec"]["job"]
    session["spec"]["flinkConfiguration"] = {}
    job = {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkSessionJob",
        "metadata": {"name": "sj"},
        "spec": {
            "deploymentName": "session",
            "job": {"jarURI": "local:///job.jar", "parallelism": 1},
        },
    }
    scurry("apply", "-f", "-", stdin=manifest(session, job))

    result = scurry("describe", "sessionjob", "sj")

    assert "  taskmanager.numberOfTaskSlots: 4  (flink-version)" in section(result.out)


def test_snapshots_have_no_configuration(scurry: Run, live: LiveServer) -> None:
    scurry("apply", "-f", "-", stdin=manifest(snapshot()))

    result = scurry("describe", "flinksnp", "snap")

    assert result.code == 0
    assert SECTION not in result.out


def test_without_configuration_items_there_is_no_section() -> None:
    obj = {"kind": "FlinkDeployment", "metadata": {"name": "a", "namespace": "default"}}
    now = datetime.now(UTC)

    assert SECTION not in describe_object(obj, [], show_specs=False, now=now)
    shown = describe_object(obj, [], show_specs=False, now=now, config=[])
    assert f"{SECTION}\n  <none>" in shown
