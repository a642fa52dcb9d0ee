"""`job.autoscaler.excluded.periods`: times when decisions are only reported.

Each period is a daily range `HH:mm:ss-HH:mm:ss` (it may wrap past midnight), a
Quartz cron expression that the instant must match, or both joined by `&&`. Times
are UTC (FKO reads them in the operator's zone; a control plane's zone is not the
user's, so scurry fixes one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta

from croniter import croniter

_DAILY = re.compile(r"^\s*(\d{1,2}:\d{2}:\d{2})\s*-\s*(\d{1,2}:\d{2}:\d{2})\s*$")


def in_excluded_period(periods: Iterable[str], now: float) -> bool:
    """Whether `now` (seconds since the epoch) falls in any of the periods."""
    instant = datetime.fromtimestamp(now, UTC)
    return any(_matches(period, instant) for period in periods)


def period_errors(periods: Iterable[str]) -> list[str]:
    """A message per period that cannot be read."""
    errors = []
    probe = datetime(2000, 1, 1, tzinfo=UTC)
    for period in periods:
        try:
            _matches(period, probe)
        except ValueError as exc:
            errors.append(f"job.autoscaler.excluded.periods: {period!r} is invalid: {exc}")
    return errors


def _matches(period: str, instant: datetime) -> bool:
    parts = [part.strip() for part in period.split("&&")]
    if not parts or len(parts) > 2 or not all(parts):
        raise ValueError("expected a daily range, a cron expression, or both joined by &&")
    return all(_matches_part(part, instant) for part in parts)


def _matches_part(part: str, instant: datetime) -> bool:
    daily = _DAILY.match(part)
    if daily:
        return _in_daily(_clock(daily.group(1)), _clock(daily.group(2)), instant.time())
    return _cron_matches(part, instant)


def _clock(text: str) -> time:
    try:
        return time.fromisoformat(text.zfill(8))
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day (HH:mm:ss)") from None


def _in_daily(start: time, end: time, now: time) -> bool:
    if start <= end:
        return start <= now < end
    return now >= start or now < end


def _cron_matches(expression: str, instant: datetime) -> bool:
    fields = expression.replace("?", "*").split()
    if len(fields) == 7:
        fields = fields[:6]  # croniter has no year field; a year restriction is ignored
    if len(fields) != 6:
        raise ValueError("not a daily range nor a Quartz cron expression (6 or 7 fields)")
    second = instant.replace(microsecond=0)
    try:
        previous = croniter(
            " ".join(fields), second + timedelta(seconds=1), second_at_beginning=True
        ).get_prev(datetime)
    except (ValueError, KeyError) as exc:
        raise ValueError(f"invalid cron expression: {exc}") from None
    return bool(previous == second)
