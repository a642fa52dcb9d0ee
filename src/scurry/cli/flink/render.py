"""How `scurry flink` prints: Confluent CLI's tables, JSON and YAML.

- human, one object: a bordered two-column table (`+---+` lines), one row per
  field, empty optional fields left out;
- human, a list: a borderless table with centred headers, rows sorted, numbers
  right-aligned, `None found.` when empty;
- json: two-space indentation; yaml: four-space indentation; lists are bare
  arrays, never the API's page envelope.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import yaml

from scurry.cli.flink.shapes import Shape, project

NONE_FOUND = "None found."
Rows = Callable[[Any], Iterable[tuple[str, str | None]]]


class Output(StrEnum):
    """`-o/--output`."""

    human = "human"
    json = "json"
    yaml = "yaml"


class DocumentOutput(StrEnum):
    """`-o/--output` of commands that always print the resource itself (applications)."""

    json = "json"
    yaml = "yaml"
    human = "human"  # accepted, and printed as JSON (as Confluent's CLI does)


def emit(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else f"{text}\n")
    sys.stdout.flush()


class _Dumper(yaml.SafeDumper):
    """Block style, keys in the order given, sequences flush with their parent key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def to_yaml(data: Any) -> str:
    """YAML as Go's yaml.v3 writes it: four-space indentation, a list as `- ` items."""
    if isinstance(data, list):
        return "".join(_item(to_yaml(item)) for item in data) if data else "[]\n"
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        indent=4,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
    )
    return text


def _item(block: str) -> str:
    lines = block.splitlines()
    return "".join(f"{'- ' if i == 0 else '  '}{line}\n" for i, line in enumerate(lines))


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def serialized(data: Any, output: Output | DocumentOutput) -> str:
    """JSON, or YAML when asked; `human` on a document command means JSON."""
    return to_yaml(data) if output == "yaml" else to_json(data)


def compact_json(value: Any) -> str:
    """A value in one line, keys sorted, as Go's encoder writes maps (`null` for none)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def box(rows: Iterable[tuple[str, str | None]]) -> str:
    """One object: `| Field | value |` rows between `+---+` lines; None rows are left out."""
    pairs = [(key, value) for key, value in rows if value is not None]
    left = max(len(k) for k, _ in pairs)
    right = max((len(v) for _, v in pairs), default=0)
    rule = f"+-{'-' * left}-+-{'-' * right}-+"
    body = [f"| {key.ljust(left)} | {value.ljust(right)} |" for key, value in pairs]
    return "\n".join([rule, *body, rule])


def listing(
    headers: Sequence[str], rows: Iterable[Sequence[str]], right_aligned: Iterable[int] = ()
) -> str:
    """Many objects: centred headers, a dashed rule, rows sorted by their cells."""
    table = sorted(list(row) for row in rows)
    if not table:
        return NONE_FOUND
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers)]
    numeric = set(right_aligned)
    lines = [_line(_centred(h, w) for h, w in zip(headers, widths, strict=True))]
    lines.append("-" + "+".join("-" * (w + 2) for w in widths) + "-")
    for row in table:
        cells = (
            cell.rjust(w) if i in numeric else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        lines.append(_line(cells))
    return "\n".join(lines)


def _line(cells: Iterable[str]) -> str:
    return " " + "|".join(f" {cell} " for cell in cells) + " "


def _centred(text: str, width: int) -> str:
    gap = width - len(text)
    return " " * (gap // 2) + text + " " * (gap - gap // 2)


def go_time(value: Any) -> str:
    """A timestamp as Go prints a time: `2024-09-10 23:00:00 +0000 UTC` (UTC, no zeros)."""
    moment = _parse_time(value)
    if moment is None:
        return "0001-01-01 00:00:00 +0000 UTC"
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return f"{text} +0000 UTC"


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def text(value: Any) -> str:
    """A field in a table cell: empty when absent, as Go's zero values print."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def optional(value: Any) -> str | None:
    """A box row shown only when set (Go's `omitempty`: no empty text, no zero)."""
    return None if value in (None, "", 0, False) else text(value)


def show(obj: Any, output: Output | DocumentOutput, shape: Shape, rows: Rows) -> None:
    """One resource: a box of `rows(obj)`, or the resource in `shape` as JSON/YAML."""
    if output == "human":
        emit(box(rows(obj)))
    else:
        emit(serialized(project(obj, shape), output))


def show_all(
    objs: Sequence[Any],
    output: Output,
    shape: Shape,
    headers: Sequence[str],
    row: Callable[[Any], Sequence[str]],
    right_aligned: Iterable[int] = (),
) -> None:
    """Many resources: a listing of `row(obj)`s, or a bare JSON/YAML array in `shape`."""
    if output is Output.human:
        emit(listing(headers, [row(obj) for obj in objs], right_aligned))
    else:
        emit(serialized([project(obj, shape) for obj in objs], output))
