"""What the pages read from stored objects, and the small pieces they draw with."""

from __future__ import annotations

import pytest

from scurry.web.charts import HEIGHT, Samples, sparkline
from scurry.web.login import safe_next
from scurry.web.timeline import timeline
from scurry.web.views import summary_of, tone


def snapshot(name: str, state: str, path: str, at: str, checkpoint: bool = False) -> dict:
    spec: dict = {"jobReference": {"kind": "FlinkDeployment", "name": "app"}}
    spec["checkpoint" if checkpoint else "savepoint"] = {}
    status = {"state": state, "path": path, "resultTimestamp": at}
    return {"metadata": {"name": name}, "spec": spec, "status": status}


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("RUNNING", "good"),
        ("FAILED", "bad"),
        ("SUSPENDED", "idle"),
        ("UPGRADING", "busy"),
        (None, "idle"),
    ],
)
def test_states_have_a_tone(state: str | None, expected: str) -> None:
    assert tone(state) == expected


def test_the_last_savepoint_and_checkpoint_are_the_newest_completed_snapshots() -> None:
    snapshots = [
        snapshot("a", "COMPLETED", "file:/sp/old", "2026-01-01T00:00:00Z"),
        snapshot("b", "COMPLETED", "file:/sp/new", "2026-01-02T00:00:00Z"),
        snapshot("c", "FAILED", "", "2026-01-03T00:00:00Z"),
        snapshot("d", "COMPLETED", "file:/chk/9", "2026-01-02T00:00:00Z", checkpoint=True),
    ]
    obj = {"spec": {"job": {"parallelism": 3}}, "status": {"taskManager": {"replicas": 2}}}
    summary = summary_of(obj, snapshots)
    assert summary.last_savepoint == "file:/sp/new"
    assert summary.last_checkpoint == "file:/chk/9"
    assert summary.desired_state == "running"  # FKO's default
    assert (summary.parallelism, summary.task_managers) == (3, 2)


def test_without_snapshots_the_legacy_status_fields_are_read() -> None:
    job_status = {
        "savepointInfo": {"lastSavepoint": {"location": "file:/legacy"}},
        "checkpointInfo": {"lastCheckpoint": {"timeStamp": 0}},
    }
    summary = summary_of({"spec": {}, "status": {"jobStatus": job_status}}, [])
    assert summary.last_savepoint == "file:/legacy"
    assert summary.last_checkpoint is None
    assert summary.desired_state is None  # a session cluster has no job


def test_the_timeline_is_newest_first_and_names_the_step() -> None:
    events = [
        {"reason": "Submit", "lastTimestamp": "2026-01-01T00:00:01Z", "message": "Starting"},
        {"reason": "SavepointError", "lastTimestamp": "2026-01-01T00:00:03Z", "type": "Warning"},
        {"reason": "Suspended", "lastTimestamp": "2026-01-01T00:00:02Z", "count": 2},
    ]
    entries = timeline(events)
    assert [e.step for e in entries] == ["savepointerror", "suspend", "deploy"]
    assert entries[0].warning
    assert entries[1].count == 2


def test_a_sparkline_spans_the_chart_and_keeps_to_its_ceiling() -> None:
    points = [tuple(map(float, p.split(","))) for p in sparkline([0.0, 5.0, 10.0]).split()]
    assert points[0] == (0.0, HEIGHT - 1)
    assert points[-1] == (160.0, 1.0)
    assert sparkline([]) == ""
    assert sparkline([2.0], ceiling=1.0).endswith(",1.0")  # clipped at the top


def test_samples_are_bounded_per_series_and_in_number() -> None:
    kept = Samples(limit=2)
    for i in range(100):
        series = kept.add(("a",), float(i))
    assert list(series.values)[-1] == 99.0
    assert len(series.values) == 60
    kept.add(("b",), 1.0)
    kept.add(("c",), 1.0)
    assert set(kept.series) == {("b",), ("c",)}


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/ui/apply", "/ui/apply"),
        ("//evil.test/x", "/"),
        ("https://evil.test", "/"),
        ("/\\evil.test", "/"),
    ],
)
def test_login_only_returns_to_paths_on_this_server(target: str, expected: str) -> None:
    assert safe_next(target) == expected


def test_a_result_page_of_an_updating_query_shows_each_rows_change() -> None:
    from scurry.web.sql_views import result_page

    columns = [{"name": "word"}, {"name": "n"}]
    stmt = {"status": {"traits": {"isAppendOnly": False, "schema": {"columns": columns}}}}
    answer = {
        "metadata": {"annotations": {"nextPageToken": "2"}},
        "results": {"data": [{"op": 0, "row": ["a", 1]}, {"op": 1, "row": ["a", 1]}]},
    }
    shown = result_page(stmt, answer, "0")
    assert shown.columns == ["op", "word", "n"]
    assert shown.rows == [["+I", "a", 1], ["-U", "a", 1]]
    assert (shown.next_token, shown.waiting) == ("2", False)
    nothing_new = result_page(stmt, {"metadata": {"annotations": {"nextPageToken": "2"}}}, "2")
    assert nothing_new.waiting
