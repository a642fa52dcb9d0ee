"""Flink configuration values: flattening, memory sizes and durations (fko-semantics.md §a, §j)."""

from __future__ import annotations

import pytest

from scurry.config.flinkconf import (
    duration_option,
    flatten,
    format_mebibytes,
    is_true,
    parse_duration,
    parse_flink_size,
    parse_memory,
    to_config_string,
)

KIB, MIB, GIB, TIB = 1 << 10, 1 << 20, 1 << 30, 1 << 40


class TestFlatten:
    def test_nested_maps_join_keys_with_dots(self) -> None:
        nested = {
            "taskmanager": {"numberOfTaskSlots": "2"},
            "state": {"savepoints": {"dir": "file:///sp"}, "checkpoints.dir": "file:///cp"},
            "high-availability.type": "kubernetes",
        }

        assert flatten(nested) == {
            "taskmanager.numberOfTaskSlots": "2",
            "state.savepoints.dir": "file:///sp",
            "state.checkpoints.dir": "file:///cp",
            "high-availability.type": "kubernetes",
        }

    def test_flat_and_nested_agree(self) -> None:
        assert flatten({"a": {"b": {"c": 1}}}) == flatten({"a.b.c": 1}) == {"a.b.c": "1"}

    def test_scalars_become_strings_as_flink_reads_them(self) -> None:
        config = {"on": True, "off": False, "slots": 2, "ratio": 0.25, "text": "x", "none": None}

        assert flatten(config) == {
            "on": "true",
            "off": "false",
            "slots": "2",
            "ratio": "0.25",
            "text": "x",
            "none": "",
        }

    def test_lists_become_yaml_flow(self) -> None:
        # scurry's choice (module docstring): a YAML flow list, which Flink 2.x parses.
        # FKO's ConfigObjectNode joins array items with ';' instead.
        assert flatten({"pipeline": {"jars": ["a.jar", "b.jar"]}, "n": [1, True]}) == {
            "pipeline.jars": '["a.jar", "b.jar"]',
            "n": "[1, true]",
        }

    def test_prefix_and_empty_input(self) -> None:
        assert flatten({"b": {"c": "d"}}, prefix="a.") == {"a.b.c": "d"}
        assert flatten(None) == {}
        assert flatten({}) == {}

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (True, "true"),
            (False, "false"),
            (None, ""),
            (3, "3"),
            ("3", "3"),
            ({"k": 1}, '{"k": 1}'),
        ],
    )
    def test_to_config_string(self, value: object, text: str) -> None:
        assert to_config_string(value) == text


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        ("true", False, True),
        (" TRUE ", False, True),
        ("false", True, False),
        ("yes", True, False),
        (None, True, True),
        (None, False, False),
    ],
)
def test_is_true(value: str | None, default: bool, expected: bool) -> None:
    config = {} if value is None else {"k": value}

    assert is_true(config, "k", default) is expected


@pytest.mark.parametrize(
    ("text", "size"),
    [
        # Flink's MemorySize syntax: binary units, case-insensitive, optional space.
        ("2048m", 2048 * MIB),
        ("1g", GIB),
        ("1 gb", GIB),
        ("1G", GIB),  # Flink syntax parses it first: 1 GiB, not 10^9 bytes
        ("1GB", GIB),
        ("2 mebibytes", 2 * MIB),
        ("1024 kb", MIB),
        ("1t", TIB),
        ("100", 100),
        ("100 bytes", 100),
        (" 64k ", 64 * KIB),
        # Kubernetes quantities, only when Flink's syntax fails.
        ("2Gi", 2 * GIB),
        ("512Mi", 512 * MIB),
        ("1.5Gi", int(1.5 * GIB)),
        ("1.5G", 1_500_000_000),
        ("1.5 GB", 1_500_000_000),
        ("2gib", 2 * GIB),
        ("1Ki", KIB),
        ("1Pi", 1 << 50),
        ("1E", 10**18),
        # Numbers (an int-or-string quantity written as an integer) are bytes.
        (1048576, MIB),
        (0, 0),
    ],
)
def test_parse_memory(text: str | int, size: int) -> None:
    assert parse_memory(text) == size


@pytest.mark.parametrize("text", ["lots", "", "-1g", "1 xb", "2Gi extra", "1.5.2G", "G"])
def test_parse_memory_rejects(text: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_memory(text)

    assert str(raised.value) == f"Could not parse value '{text}' as a memory size"


@pytest.mark.parametrize("text", ["2Gi", "1.5g", "1 Mi"])
def test_parse_flink_size_has_no_kubernetes_fallback(text: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_flink_size(text)

    assert str(raised.value) == f"Could not parse value '{text}' as a memory size"


@pytest.mark.parametrize(
    ("size", "text"),
    [(2048 * MIB, "2048m"), (GIB, "1024m"), (0, "0m"), (1_500_000_000, "1500000000b"), (1, "1b")],
)
def test_format_mebibytes(size: int, text: str) -> None:
    assert format_mebibytes(size) == text


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("10 s", 10.0),
        ("10s", 10.0),
        ("5min", 300.0),
        ("5 minutes", 300.0),
        ("2m", 120.0),
        ("1h", 3600.0),
        ("2 d", 172800.0),
        ("500", 0.5),  # a bare number is milliseconds
        ("100ms", 0.1),
        ("PT1M", 60.0),
        ("PT0.5S", 0.5),
        ("P1DT1H", 90000.0),
        ("pt10s", 10.0),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["soon", "PT", "10 parsecs", "", "-5 s"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_duration(text)

    assert str(raised.value) == f"Could not parse value '{text}' as a duration"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, 7.0),
        ({"k": ""}, 7.0),
        ({"k": "  "}, 7.0),
        ({"k": "soon"}, 7.0),
        ({"k": "2 min"}, 120.0),
    ],
)
def test_duration_option(config: dict[str, str], expected: float) -> None:
    assert duration_option(config, "k", 7.0) == expected
