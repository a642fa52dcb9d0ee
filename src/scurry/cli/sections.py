"""Text in the layout of `kubectl describe`: aligned `Key:  value` fields, nested sections.

A section is a list of entries; an entry's value is a string (one line), a
list of strings (one per line, aligned), or lines already laid out (a nested
section or a table) that go on the lines below the key, indented.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scurry.cli.output import render_table, to_yaml

INDENT = "  "
NONE = "<none>"
_CAMEL_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_ACRONYMS = {"Api": "API", "Url": "URL", "Uid": "UID", "Jm": "JM", "Tm": "TM"}


@dataclass(frozen=True)
class Block:
    """Lines laid out already (a nested section, YAML, a table), shown below their key."""

    lines: tuple[str, ...]


Value = str | list[str] | Block
Entry = tuple[str, Value]


def label(key: str) -> str:
    """`jobManagerDeploymentStatus` -> `Job Manager Deployment Status`; other keys as they are."""
    if not re.fullmatch(r"[a-z][A-Za-z0-9]*", key):
        return key
    words = [word.capitalize() for word in _CAMEL_WORD.findall(key)]
    return " ".join(_ACRONYMS.get(word, word) for word in words)


def render(entries: Sequence[Entry]) -> list[str]:
    """The entries as lines; one-line values are aligned after the longest key."""
    inline = [key for key, value in entries if not isinstance(value, Block)]
    width = max((len(key) for key in inline), default=0) + 3
    lines: list[str] = []
    for key, value in entries:
        if isinstance(value, Block):
            lines.append(f"{key}:")
            lines.extend(f"{INDENT}{line}".rstrip() for line in value.lines)
            continue
        values = value if isinstance(value, list) else [value]
        values = values or [NONE]
        lines.append(f"{f'{key}:'.ljust(width)}{values[0]}".rstrip())
        lines.extend(f"{' ' * width}{more}".rstrip() for more in values[1:])
    return lines


def block(entries: Sequence[Entry]) -> Block:
    return Block(tuple(render(entries)))


def yaml_block(data: Any) -> Block:
    return Block(tuple(to_yaml(data).rstrip("\n").splitlines()))


def table_block(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> Block:
    """A table with kubectl describe's dashed underline below the headers."""
    underline = ["-" * len(header) for header in headers]
    return Block(tuple(render_table(headers, [underline, *rows]).splitlines()))


def scalar(value: Any) -> str:
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def generic(value: Any) -> Value:
    """Any JSON value: maps as nested sections, lists of scalars one per line."""
    if isinstance(value, dict):
        return block([(label(str(k)), generic(v)) for k, v in value.items()]) if value else NONE
    if isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            return [scalar(item) for item in value]
        return yaml_block(value)
    return scalar(value)


def annotated(rows: Sequence[tuple[str, str, str]]) -> Block:
    """`key: value  (note)`, one per line: configuration keys with where each comes from."""
    return Block(tuple(f"{key}: {value}  ({note})" for key, value, note in rows) or (NONE,))


def key_values(mapping: Any) -> list[str]:
    """Labels and annotations: `key=value`, one per line, sorted."""
    if not isinstance(mapping, dict) or not mapping:
        return [NONE]
    return [f"{key}={value}" for key, value in sorted(mapping.items())]
