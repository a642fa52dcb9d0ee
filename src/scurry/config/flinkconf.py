"""Flink configuration values: flattening nested YAML, sizes and durations.

Flink 2.x reads `config.yaml` with nested maps or flat dotted keys alike; FKO
flattens `flinkConfiguration` the same way and compares values as strings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

FlatConfig = dict[str, str]


def flatten(config: Mapping[str, Any] | None, prefix: str = "") -> FlatConfig:
    """`{"state": {"savepoints.dir": "x"}}` -> `{"state.savepoints.dir": "x"}`."""
    flat: FlatConfig = {}
    for key, value in (config or {}).items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{full}."))
        else:
            flat[full] = to_config_string(value)
    return flat


# Keys Flink reads under several names (the first is the current one). A default under
# one name must not shadow what the user set under another.
KEY_ALIASES: tuple[tuple[str, ...], ...] = (
    ("execution.checkpointing.dir", "state.checkpoints.dir"),
    (
        "execution.checkpointing.savepoint-dir",
        "state.savepoints.dir",
        "savepoints.state.backend.fs.dir",
    ),
    ("execution.checkpointing.num-retained", "state.checkpoints.num-retained"),
)


def overlay(defaults: Mapping[str, str], config: Mapping[str, str]) -> FlatConfig:
    """`config` over `defaults`, where a key set under any alias replaces all its aliases."""
    merged = dict(defaults)
    for group in KEY_ALIASES:
        if any(key in config for key in group):
            for key in group:
                merged.pop(key, None)
    merged.update(config)
    return merged


def to_config_string(value: Any) -> str:
    """Render a YAML value as Flink reads it: booleans lower-case, lists as YAML flow."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(", ", ": "))
    return str(value)


def is_true(config: Mapping[str, str], key: str, default: bool = False) -> bool:
    value = config.get(key)
    return default if value is None else value.strip().lower() == "true"


_FLINK_SIZE = re.compile(r"^\s*(\d+)\s*([a-zA-Z]*)\s*$")
_FLINK_UNITS = {
    "": 1,
    "b": 1,
    "bytes": 1,
    "k": 1 << 10,
    "kb": 1 << 10,
    "kibibytes": 1 << 10,
    "m": 1 << 20,
    "mb": 1 << 20,
    "mebibytes": 1 << 20,
    "g": 1 << 30,
    "gb": 1 << 30,
    "gibibytes": 1 << 30,
    "t": 1 << 40,
    "tb": 1 << 40,
    "tebibytes": 1 << 40,
}
_K8S_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)([KMGTPE]i?)?$")
_K8S_UNITS = {
    "Ki": 1 << 10,
    "Mi": 1 << 20,
    "Gi": 1 << 30,
    "Ti": 1 << 40,
    "Pi": 1 << 50,
    "Ei": 1 << 60,
    "K": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
}


def parse_flink_size(text: str) -> int:
    """Flink's MemorySize syntax (`2048m`, `1 gb`): binary units, case-insensitive."""
    match = _FLINK_SIZE.match(text)
    if not match or match.group(2).lower() not in _FLINK_UNITS:
        raise ValueError(f"Could not parse value '{text}' as a memory size")
    return int(match.group(1)) * _FLINK_UNITS[match.group(2).lower()]


def parse_memory(text: str | int | float) -> int:
    """A memory amount as FKO reads `resource.memory` and `resources.*.memory`.

    Flink's syntax first (so `2048m` is 2048 MiB, not 2.048 bytes), then a
    Kubernetes quantity (`2Gi`, `1G`); the result is in bytes.
    """
    if isinstance(text, int | float):
        return int(text)
    try:
        return parse_flink_size(text)
    except ValueError:
        pass
    quantity = re.sub(r"\s", "", text).upper()
    quantity = quantity.removesuffix("B")
    if quantity.endswith("I"):
        quantity = quantity[:-1] + "i"
    match = _K8S_QUANTITY.match(quantity)
    if not match:
        raise ValueError(f"Could not parse value '{text}' as a memory size")
    number, unit = match.groups()
    return int(float(number) * _K8S_UNITS.get(unit or "", 1))


def format_mebibytes(size: int) -> str:
    """Bytes as a Flink size string, in whole MiB when exact (`2048m`), else bytes."""
    return f"{size >> 20}m" if size % (1 << 20) == 0 else f"{size}b"


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Zµ]*)\s*$")
_DURATION_UNITS = {
    "": 0.001,
    "ms": 0.001,
    "milli": 0.001,
    "millis": 0.001,
    "millisecond": 0.001,
    "milliseconds": 0.001,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}
_ISO_DURATION = re.compile(
    r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.IGNORECASE
)


def parse_duration(text: str) -> float:
    """Flink's Duration syntax (`10 s`, `5min`, `500` = ms, `PT1M`) in seconds."""
    iso = _ISO_DURATION.match(text.strip())
    if iso and any(iso.groups()):
        days, hours, minutes, seconds = (float(g) if g else 0.0 for g in iso.groups())
        return days * 86400 + hours * 3600 + minutes * 60 + seconds
    match = _DURATION.match(text)
    if not match or match.group(2).lower() not in _DURATION_UNITS:
        raise ValueError(f"Could not parse value '{text}' as a duration")
    return float(match.group(1)) * _DURATION_UNITS[match.group(2).lower()]


def duration_option(config: Mapping[str, str], key: str, default: float) -> float:
    """A duration option in seconds; an unparseable value falls back to the default."""
    value = config.get(key)
    if value is None or not value.strip():
        return default
    try:
        return parse_duration(value)
    except ValueError:
        return default
