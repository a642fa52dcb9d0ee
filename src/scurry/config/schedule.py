"""When periodic snapshots are due: FKO's interval options take a Flink duration
(`1 h`, `30 min`) or a Quartz cron expression (`0 0 * * * ?`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from croniter import croniter

from scurry.config.flinkconf import parse_duration


def next_due(schedule: str | None, last: datetime) -> datetime | None:
    """When a snapshot last taken at `last` is due again; None if the schedule is off."""
    text = (schedule or "").strip()
    if not text or text in ("0", "0 s", "0s"):
        return None
    try:
        seconds = parse_duration(text)
    except ValueError:
        return _next_cron(text, last)
    return last + timedelta(seconds=seconds) if seconds > 0 else None


def is_valid(schedule: str) -> bool:
    try:
        next_due(schedule, datetime(2000, 1, 1))
    except ValueError:
        return False
    return True


def _next_cron(expression: str, last: datetime) -> datetime:
    """Quartz cron: seconds first, `?` for "no specific value", an optional year last."""
    fields = expression.replace("?", "*").split()
    if len(fields) == 7:
        fields = fields[:6]  # croniter has no year field; a year restriction is ignored
    if len(fields) != 6:
        raise ValueError(f"not a Quartz cron expression (6 or 7 fields): {expression!r}")
    try:
        result: datetime = croniter(" ".join(fields), last, second_at_beginning=True).get_next(
            datetime
        )
    except (ValueError, KeyError) as exc:
        raise ValueError(f"invalid cron expression {expression!r}: {exc}") from None
    return result
