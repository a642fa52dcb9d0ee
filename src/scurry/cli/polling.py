"""Waiting with a deadline: durations as kubectl spells them, and a polling loop.

Every wait of the CLI (`wait`, `delete --wait`, `up`, `down`) polls a probe at
a fixed interval, shows the probe's current answer in a spinner, and gives up
at the deadline; none sleeps and hopes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from scurry.cli.output import spinner
from scurry.errors import InvalidInput, ScurryError

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def parse_duration(text: str, option: str = "--timeout") -> float:
    """Seconds in `90s`, `5m`, `1h`, `1m30s`, `500ms` or a plain number of seconds."""
    value = text.strip()
    if _NUMBER.fullmatch(value):
        return float(value)
    parts = _PART.findall(value)
    if not parts or "".join(number + unit for number, unit in parts) != value:
        raise InvalidInput(
            f"{option}: invalid duration {text!r} (use e.g. 90s, 5m, 1h or a number of seconds)"
        )
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


class TimedOut(ScurryError):
    """A wait that reached its deadline (exit code 1, as kubectl's)."""


@dataclass(frozen=True)
class Probe:
    """One look at what is awaited: whether it holds, and what to show meanwhile."""

    done: bool
    current: str = ""


def wait_until(
    probe: Callable[[], Probe],
    *,
    timeout: float,
    description: str,
    interval: float = 1.0,
) -> Probe:
    """Call `probe` every `interval` seconds until it is done or `timeout` passes.

    Returns the last answer; the caller tells a timeout by `done` being False.
    The probe runs at least once, even with a zero timeout.
    """
    deadline = time.monotonic() + timeout
    with spinner(description) as show:
        while True:
            answer = probe()
            show(answer.current)
            remaining = deadline - time.monotonic()
            if answer.done or remaining <= 0:
                return answer
            time.sleep(min(interval, remaining))
