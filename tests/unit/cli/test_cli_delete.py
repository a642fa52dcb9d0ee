"""`scurry delete`: by name or by file, finalizers, --wait, not found."""

from __future__ import annotations

import threading
from pathlib import Path

from clikit import LiveServer, Run, deployment, eventually, in_background, manifest

from scurry.errors import NotFound

FINALIZER = "flinkdeployments.flink.apache.org/finalizer"


def test_delete_by_name(scurry: Run, live: LiveServer) -> None:
    scurry("apply", "-f", "-", stdin=manifest(deployment("a"), deployment("b")))

    result = scurry("delete", "flinkdep", "a", "b")

    assert result.code == 0
    assert result.out.splitlines() == [
        'flinkdeployment.flink.apache.org "a" deleted',
        'flinkdeployment.flink.apache.org "b" deleted',
    ]
    assert not live.exists("a")
    assert not live.exists("b")


def test_delete_by_file(scurry: Run, live: LiveServer, tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(manifest(deployment(namespace="team")))
    scurry("apply", "-f", str(path))

    result = scurry("delete", "-f", str(path))

    assert result.out == 'flinkdeployment.flink.apache.org "basic" deleted\n'
    assert not live.exists("basic", namespace="team")


def test_not_found_is_an_error_unless_ignored(scurry: Run) -> None:
    missing = scurry("delete", "flinkdep", "nope")
    ignored = scurry("delete", "flinkdep", "nope", "--ignore-not-found")

    assert missing.code == NotFound.exit_code
    assert missing.err == (
        'Error from server (NotFound): flinkdeployments.flink.apache.org "nope" not found\n'
    )
    assert (ignored.code, ignored.out, ignored.err) == (0, "", "")


def test_others_are_deleted_when_one_is_missing(scurry: Run, live: LiveServer) -> None:
    scurry("apply", "-f", "-", stdin=manifest(deployment("a")))

    result = scurry("delete", "flinkdep/nope", "flinkdep/a")

    assert result.code == NotFound.exit_code
    assert result.out == 'flinkdeployment.flink.apache.org "a" deleted\n'
    assert not live.exists("a")


def test_with_finalizers_the_object_stays_marked(scurry: Run, live: LiveServer) -> None:
    scurry("apply", "-f", "-", stdin=manifest(deployment(finalizers=[FINALIZER])))

    result = scurry("delete", "flinkdep", "basic")

    assert result.out == 'flinkdeployment.flink.apache.org "basic" deleted\n'
    assert live.get("basic")["metadata"]["deletionTimestamp"]


def test_wait_times_out_while_a_finalizer_holds(scurry: Run, live: LiveServer) -> None:
    scurry("apply", "-f", "-", stdin=manifest(deployment(finalizers=[FINALIZER])))

    result = scurry("delete", "flinkdep", "basic", "--wait", "--timeout", "0.3s")

    assert result.code == 1
    assert result.err == "error: timed out waiting for the condition on flinkdeployments/basic\n"
    assert live.exists("basic")


def test_wait_ends_when_the_finalizer_is_removed(scurry: Run, live: LiveServer) -> None:
    scurry("apply", "-f", "-", stdin=manifest(deployment(finalizers=[FINALIZER])))
    marked = threading.Event()

    def controller() -> None:  # plays the controller: lets go once the object is marked
        eventually(lambda: bool(live.get("basic")["metadata"].get("deletionTimestamp")))
        marked.set()
        obj = live.get("basic")
        live.put({**obj, "metadata": {**obj["metadata"], "finalizers": []}})

    helper = in_background(controller)
    result = scurry("delete", "flinkdep", "basic", "--wait", "--timeout", "30s")
    helper.join()

    assert marked.is_set()
    assert result.code == 0, result.err
    assert not live.exists("basic")


def test_names_are_required(scurry: Run) -> None:
    result = scurry("delete", "flinkdep")

    assert result.code == 2
    assert "no name was specified" in result.err
