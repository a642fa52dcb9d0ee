"""The subset of kubectl's JSONPath that `wait --for jsonpath=` needs.

A path is dotted fields, optionally wrapped in `{}`, with `['key']` (or
`["key"]`) for keys that hold dots and `[N]` for list items::

    {.status.lifecycleState}
    {.status.clusterInfo['flink-version']}
    .status.conditions[0].status
"""

from __future__ import annotations

import json
import re
from typing import Any

from scurry.errors import InvalidInput

Segment = str | int
_FIELD = re.compile(r"\.(?P<value>[A-Za-z0-9_-]+)")
_QUOTED = re.compile(r"\[\s*(?P<quote>['\"])(?P<value>.*?)(?P=quote)\s*\]")
_INDEX = re.compile(r"\[\s*(?P<value>-?\d+)\s*\]")


class Missing:
    """What a lookup answers when the path leads nowhere."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING = Missing()


def parse(expression: str) -> tuple[Segment, ...]:
    """The segments of `expression`; a malformed path raises InvalidInput naming it."""
    text = expression.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if text.startswith("$"):
        text = text[1:]
    if not text.startswith((".", "[")):
        raise InvalidInput(f"jsonpath {expression!r}: must start with '.' (e.g. {{.status}})")
    segments: list[Segment] = []
    position = 0
    while position < len(text):
        segment, position = _next_segment(expression, text, position)
        segments.append(segment)
    return tuple(segments)


def _next_segment(expression: str, text: str, position: int) -> tuple[Segment, int]:
    for pattern in (_FIELD, _QUOTED, _INDEX):
        match = pattern.match(text, position)
        if match:
            value = match.group("value")
            segment: Segment = int(value) if pattern is _INDEX else value
            return segment, match.end()
    raise InvalidInput(f"jsonpath {expression!r}: unexpected {text[position:]!r}")


def lookup(data: Any, path: tuple[Segment, ...]) -> Any:
    """The value at `path`, or MISSING."""
    current = data
    for segment in path:
        if isinstance(segment, int) and isinstance(current, list):
            if not -len(current) <= segment < len(current):
                return MISSING
            current = current[segment]
        elif isinstance(segment, str) and isinstance(current, dict) and segment in current:
            current = current[segment]
        else:
            return MISSING
    return current


def split_condition(text: str) -> tuple[str, str | None]:
    """`{.a.b}=VALUE` -> (`{.a.b}`, `VALUE`); without `=VALUE` the value is None."""
    depth, quote = 0, ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        elif char == "=" and depth == 0:
            return text[:index], text[index + 1 :]
    return text, None


def format_value(value: Any) -> str:
    """A value as kubectl prints it: strings bare, everything else as JSON."""
    if isinstance(value, Missing):
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def is_empty(value: Any) -> bool:
    return isinstance(value, Missing) or value is None or value in ("", [], {})
