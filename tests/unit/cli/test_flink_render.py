"""The layouts of `scurry flink` output, against text Confluent's CLI prints for the same values."""

from __future__ import annotations

from pathlib import Path

import pytest

from scurry.cli.flink.deletion import combined
from scurry.cli.flink.errors import CommandError, quoted_list
from scurry.cli.flink.render import box, go_time, listing, to_json, to_yaml
from scurry.cli.flink.shapes import SAVEPOINT, project

TIME = "2024-09-10 23:00:00 +0000 UTC"
# The text Confluent's CLI prints for such tables (trailing spaces included).
LAYOUTS = Path(__file__).parent / "layouts"


def layout(name: str) -> str:
    return (LAYOUTS / name).read_text().removesuffix("\n")


def test_list_layout_rows_sorted() -> None:
    rows = [
        ["payments-prod", "payments-namespace", TIME, TIME],
        ["etl", "etl-ns", TIME, TIME],
        ["analytics", "analytics-ns", TIME, TIME],
    ]

    text = listing(["Name", "Kubernetes Namespace", "Created Time", "Updated Time"], rows)

    assert text == layout("environment-list.txt")


def test_list_layout_numbers_right_aligned() -> None:
    headers = ["Name", "Application", "Statement", "Path", "Format", "Backoff Limit", "UID"]
    rows = [
        [f"nightly-{i}", "orders-app", "", "/savepoints/orders", "CANONICAL", "10", "", ""]
        for i in (2, 1)
    ]

    assert listing([*headers, "State"], rows, right_aligned=[5]) == layout("savepoint-list.txt")


def test_box_layout_leaves_out_unset_optional_rows() -> None:
    rows: list[tuple[str, str | None]] = [
        ("Name", "payments-prod"),
        ("Kubernetes Namespace", "payments"),
        ("Created Time", TIME),
        ("Updated Time", TIME),
        ("Flink Application Defaults", "null"),
        ("Flink Compute Pool Defaults", "null"),
        ("Detached Statement Defaults", "null"),
        ("Interactive Statement Defaults", "null"),
        ("UID", None),
    ]

    assert box(rows) == layout("environment-describe.txt")


def test_an_empty_list() -> None:
    assert listing(["Name"], []) == "None found."


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2024-09-10T23:00:00Z", TIME),
        ("2024-09-10T23:00:00.500Z", "2024-09-10 23:00:00.5 +0000 UTC"),
        ("2024-09-11T01:00:00+02:00", TIME),
        ("2024-09-10T23:00:00", TIME),
        (None, "0001-01-01 00:00:00 +0000 UTC"),
        ("not a time", "0001-01-01 00:00:00 +0000 UTC"),
    ],
)
def test_times_as_go_prints_them(value: object, shown: str) -> None:
    assert go_time(value) == shown


def test_yaml_and_json_indentation() -> None:
    information = {"status": {"version": "1.0.0", "revision": "abc1234def5678"}}

    assert to_yaml(information) == "status:\n    version: 1.0.0\n    revision: abc1234def5678\n"
    assert to_json(information).splitlines()[1] == '  "status": {'
    assert to_yaml([{"a": 1, "b": {"c": 2}}]) == "- a: 1\n  b:\n      c: 2\n"
    assert to_yaml([]) == "[]\n"


def test_documents_keep_confluents_keys_in_its_order() -> None:
    server = {
        "status": {"state": "COMPLETED", "warning": "stale"},
        "spec": {"formatType": "CANONICAL", "path": "p"},
        "metadata": {"uid": "u", "name": "n", "extra": 1},
        "kind": "Savepoint",
    }

    shown = project(server, SAVEPOINT)

    assert list(shown) == ["apiVersion", "kind", "metadata", "spec", "status"]
    assert shown["apiVersion"] == ""
    assert list(shown["metadata"]) == ["name", "uid"]
    assert list(shown["spec"]) == ["path", "formatType"]
    assert shown["status"] == {"state": "COMPLETED"}


def test_error_wording() -> None:
    error = CommandError("it failed", "Try this.\nOr that.")

    assert error.render() == "Error: it failed\n\nSuggestions:\n    Try this.\n    Or that."
    assert quoted_list(["a"]) == '"a"'
    assert quoted_list(["a", "b"]) == '"a" and "b"'
    assert quoted_list(["a", "b", "c"]) == '"a", "b", and "c"'
    assert combined(["one"]) == "one"
    assert combined(["one", "two"]) == "2 errors occurred:\n\t* one\n\t* two"
