"""`scurry apply --dry-run`: what the server would store, and nothing stored."""

from __future__ import annotations

import yaml
from clikit import LiveServer, Run, deployment, manifest, running_status

LINE = "flinkdeployment.flink.apache.org/basic"


def test_a_new_object_shows_the_fields_the_server_would_add(scurry: Run, live: LiveServer) -> None:
    text = manifest(deployment())

    plain = scurry("apply", "--dry-run", "-f", "-", stdin=text)
    shown = yaml.safe_load(scurry("apply", "--dry-run", "-o", "yaml", "-f", "-", stdin=text).out)

    assert plain.out == f"{LINE} created (server dry run)\n"
    assert shown["metadata"]["generation"] == 1
    assert shown["metadata"]["uid"]
    assert shown["metadata"]["creationTimestamp"]
    assert "resourceVersion" not in shown["metadata"]
    assert not live.exists("basic")


def test_a_changed_spec_shows_the_next_generation_and_the_stored_status(
    scurry: Run, live: LiveServer
) -> None:
    live.create(deployment())
    before = live.set_status("basic", running_status())
    text = manifest(deployment(parallelism=4))

    plain = scurry("apply", "--dry-run", "-f", "-", stdin=text)
    shown = yaml.safe_load(scurry("apply", "--dry-run", "-o", "yaml", "-f", "-", stdin=text).out)

    assert plain.out == f"{LINE} configured (server dry run)\n"
    assert shown["spec"]["job"]["parallelism"] == 4
    assert shown["metadata"]["generation"] == 2
    assert shown["status"] == before["status"]
    assert shown["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert live.get("basic") == before


def test_new_labels_configure_without_a_new_generation(scurry: Run, live: LiveServer) -> None:
    live.create(deployment())
    text = manifest(deployment(labels={"app": "web"}))

    plain = scurry("apply", "--dry-run", "-f", "-", stdin=text)
    shown = yaml.safe_load(scurry("apply", "--dry-run", "-o", "yaml", "-f", "-", stdin=text).out)

    assert plain.out == f"{LINE} configured (server dry run)\n"
    assert shown["metadata"]["labels"] == {"app": "web"}
    assert shown["metadata"]["generation"] == 1


def test_the_same_manifest_is_unchanged(scurry: Run, live: LiveServer) -> None:
    text = manifest(deployment())
    scurry("apply", "-f", "-", stdin=text)

    result = scurry("apply", "--dry-run", "-f", "-", stdin=text)

    assert result.out == f"{LINE} unchanged (server dry run)\n"
