"""Helpers for the `scurry flink` tests: Confluent's CLI inputs and outputs, and shape checks.

The inputs (`cmf-examples/cli-input`) are used as real request bodies; the
outputs (`cmf-examples/cli-output`) were produced by Confluent's CLI against a
mock server, so tests compare their shape (keys, their order, columns), never
their values.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from referencekit import reference_path

INPUT = reference_path("cmf-examples", "cli-input")
OUTPUT = reference_path("cmf-examples", "cli-output")


def cli_input(name: str) -> str:
    """The path of one of Confluent's CLI test inputs (e.g. `application__create-new.json`)."""
    path = INPUT / name
    assert path.is_file(), f"reference input {path} is missing"
    return str(path)


def golden(name: str) -> Any:
    """One of Confluent's CLI outputs, parsed (JSON or YAML)."""
    text = (OUTPUT / name).read_text()
    return json.loads(text) if text.lstrip().startswith(("{", "[")) else yaml.safe_load(text)


def assert_same_shape(actual: Any, expected: Any, where: str = "$") -> None:
    """The keys both documents have come in the same order, at every level they share.

    Values are not compared (the goldens hold a mock server's values); lists are
    compared item by item against the golden's first item.
    """
    if isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: a list expected, got {type(actual).__name__}"
        for index, item in enumerate(actual):
            if expected:
                assert_same_shape(item, expected[0], f"{where}[{index}]")
        return
    if not isinstance(expected, dict) or not isinstance(actual, dict):
        return
    shared_in_golden = [key for key in expected if key in actual]
    shared_in_actual = [key for key in actual if key in expected]
    assert shared_in_actual == shared_in_golden, f"{where}: key order {shared_in_actual}"
    for key in shared_in_actual:
        assert_same_shape(actual[key], expected[key], f"{where}.{key}")


def box_rows(out: str) -> dict[str, str]:
    """A bordered one-object table as {field: value}, in order."""
    rows = {}
    for line in out.splitlines():
        if line.startswith("|"):
            key, value = (cell.strip() for cell in line.strip("|").split("|", 1))
            rows[key] = value
    return rows


def listing_rows(out: str) -> tuple[list[str], list[list[str]]]:
    """A list table's headers and rows (cells stripped)."""
    lines = out.splitlines()
    headers = [cell.strip() for cell in lines[0].split("|")]
    rows = [[cell.strip() for cell in line.split("|")] for line in lines[2:]]
    return headers, rows


def write_file(directory: Path, name: str, data: Any) -> str:
    path = directory / name
    text = json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data)
    path.write_text(text)
    return str(path)
