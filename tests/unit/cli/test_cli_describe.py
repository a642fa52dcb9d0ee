"""`scurry describe`: sections, status, conditions and the object's events."""

from __future__ import annotations

from clikit import LiveServer, Run, deployment, manifest, running_status

FINALIZER = "flinkdeployments.flink.apache.org/finalizer"


def test_describe_shows_metadata_spec_status_and_events(scurry: Run, live: LiveServer) -> None:
    scurry("apply", "-f", "-", stdin=manifest(deployment(labels={"app": "web"})))
    live.set_status("basic", running_status())
    live.record_event("basic", "Submit", "Starting deployment")
    live.record_event("basic", "Submit", "Starting deployment")
    live.record_event("basic", "Error", "Job failed", type_="Warning")

    result = scurry("describe", "flinkdep", "basic")

    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["Name:", "basic"]
    assert lines[1].split() == ["Namespace:", "default"]
    assert lines[2].split() == ["Labels:", "app=web"]
    for section in ("Metadata:", "Spec:", "Status:", "Events:"):
        assert section in lines
    assert "  Resource Version:" in result.out
    assert "    parallelism: 2" in result.out
    assert "  Lifecycle State:" in result.out
    assert "flink-version:  2.3.0" in result.out
    conditions = lines.index("  Conditions:")
    assert lines[conditions + 1].split()[:2] == ["Type", "Status"]
    assert lines[conditions + 3].split()[:3] == ["Running", "True", "Running"]
    events = lines[lines.index("Events:") + 3 :]
    assert events[0].split()[:2] == ["Normal", "Submit"]
    assert "(x2 over" in events[0]
    assert events[0].split()[-2:] == ["Starting", "deployment"]
    assert events[1].split()[:2] == ["Warning", "Error"]


def test_describe_without_status_or_events(scurry: Run) -> None:
    scurry("apply", "-f", "-", stdin=manifest(deployment()))

    result = scurry("describe", "flinkdeployment/basic")

    assert result.out.rstrip().endswith("Events:       <none>")
    assert "Last Reconciled Spec" not in result.out


def test_describe_shows_finalizers_and_deletion(scurry: Run, live: LiveServer) -> None:
    scurry("apply", "-f", "-", stdin=manifest(deployment(finalizers=[FINALIZER])))
    scurry("delete", "flinkdep", "basic")

    result = scurry("describe", "flinkdep", "basic")

    assert f"Finalizers:          {FINALIZER}" in result.out
    assert "Deletion Timestamp:" in result.out


def test_show_specs_includes_the_last_reconciled_spec(scurry: Run, live: LiveServer) -> None:
    scurry("apply", "-f", "-", stdin=manifest(deployment()))
    status = running_status()
    status["reconciliationStatus"]["lastReconciledSpec"] = '{"spec": {"job": {"parallelism": 2}}}'
    live.set_status("basic", status)

    hidden = scurry("describe", "flinkdep", "basic")
    shown = scurry("describe", "flinkdep", "basic", "--show-specs")

    assert "Last Reconciled Spec" not in hidden.out
    assert "  Last Reconciled Spec:" in shown.out
    assert "        parallelism: 2" in shown.out


def test_describe_not_found(scurry: Run) -> None:
    result = scurry("describe", "flinkdep", "nope")

    assert result.code == 3
    assert result.err.startswith("Error from server (NotFound):")
