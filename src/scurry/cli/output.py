"""What the CLI prints: kubectl-like tables, JSON and YAML documents, ages, spinners.

Data goes to stdout as plain text (no colour, no wrapping) so it pipes into
grep and jq; spinners and notes go to stderr, spinners only on a terminal.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

TABLE_WIDTH = 10_000
Update = Callable[[str], None]


class Format(StrEnum):
    """`-o`: how objects are printed."""

    json = "json"
    yaml = "yaml"
    name = "name"
    wide = "wide"


def write(text: str) -> None:
    """One block of data on stdout, newline-terminated."""
    sys.stdout.write(text if text.endswith("\n") else f"{text}\n")
    sys.stdout.flush()


def note(text: str) -> None:
    """A message for the person at the terminal (stderr)."""
    sys.stderr.write(f"{text}\n")
    sys.stderr.flush()


def to_json(data: Any) -> str:
    return json.dumps(data, indent=4, ensure_ascii=False)


def to_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)


def print_document(data: Any, output: Format) -> None:
    """An object or a List as `-o json` or `-o yaml`."""
    write(to_json(data) if output is Format.json else to_yaml(data))


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns as kubectl aligns them: no borders, three spaces apart, never wrapped."""
    table = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 3, 0, 0))
    for header in headers:
        table.add_column(header, no_wrap=True, overflow="ignore", header_style="none")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    buffer = io.StringIO()
    console = Console(file=buffer, width=TABLE_WIDTH, color_system=None, highlight=False)
    console.print(table)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    write(render_table(headers, rows))


def parse_timestamp(value: Any) -> datetime | None:
    """An RFC 3339 timestamp, or None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def human_duration(seconds: float) -> str:
    """kubectl's HumanDuration: 45s, 3m20s, 15m, 5h30m, 20h, 3d4h, 40d, 2y10d."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 120:
        return f"{max(whole, 0)}s"
    minutes, hours = whole // 60, whole // 3600
    if minutes < 10:
        return _pair(minutes, "m", whole % 60, "s")
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return _pair(hours, "h", minutes % 60, "m")
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        return _pair(days, "d", hours % 24, "h")
    if hours < 24 * 365 * 2:
        return f"{days}d"
    if hours < 24 * 365 * 8:
        return _pair(days // 365, "y", days % 365, "d")
    return f"{days // 365}y"


def _pair(major: int, major_unit: str, minor: int, minor_unit: str) -> str:
    return f"{major}{major_unit}{minor}{minor_unit}" if minor else f"{major}{major_unit}"


def age(timestamp: Any, now: datetime | None = None) -> str:
    """How long ago `timestamp` was, kubectl style; `<unknown>` when there is none."""
    moment = parse_timestamp(timestamp)
    if moment is None:
        return "<unknown>"
    return human_duration(((now or datetime.now(UTC)) - moment).total_seconds())


def event_age(event: dict[str, Any], now: datetime | None = None) -> str:
    """`3m`, or `3m (x5 over 10m)` for an event seen several times."""
    last = age(event.get("lastTimestamp") or event.get("firstTimestamp"), now)
    count = int(event.get("count") or 1)
    if count <= 1:
        return last
    return f"{last} (x{count} over {age(event.get('firstTimestamp'), now)})"


@contextlib.contextmanager
def spinner(description: str) -> Iterator[Update]:
    """A spinner on stderr while something is awaited; yields a function to update its text.

    Only a terminal sees it: redirected output stays free of progress noise.
    """
    console = Console(stderr=True, highlight=False)
    if not console.is_terminal:
        yield lambda _: None
        return
    with console.status(Text(description)) as status:
        yield lambda text: status.update(Text(f"{description}: {text}" if text else description))
