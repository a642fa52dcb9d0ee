"""Excluded periods: daily ranges (wrapping midnight), Quartz cron, both joined by &&."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scurry.autoscaler.excluded import in_excluded_period, period_errors


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("periods", "instant", "excluded"),
    [
        ((), "2026-01-05T10:00:00", False),
        (("09:00:00-11:00:00",), "2026-01-05T10:00:00", True),
        (("09:00:00-11:00:00",), "2026-01-05T11:00:00", False),
        (("22:00:00-02:00:00",), "2026-01-05T23:30:00", True),
        (("22:00:00-02:00:00",), "2026-01-05T01:59:59", True),
        (("22:00:00-02:00:00",), "2026-01-05T12:00:00", False),
        (("* * 9-11 ? * MON-FRI",), "2026-01-05T10:15:00", True),  # a Monday
        (("* * 9-11 ? * MON-FRI",), "2026-01-04T10:15:00", False),  # a Sunday
        (("09:00:00-10:00:00 && * * * ? * SAT,SUN",), "2026-01-04T09:30:00", True),
        (("09:00:00-10:00:00 && * * * ? * SAT,SUN",), "2026-01-05T09:30:00", False),
        (("01:00:00-02:00:00", "09:00:00-11:00:00"), "2026-01-05T10:00:00", True),
    ],
)
def test_periods(periods: tuple[str, ...], instant: str, excluded: bool) -> None:
    assert in_excluded_period(periods, at(instant)) is excluded


@pytest.mark.parametrize("period", ["25:00:00-26:00:00", "every day", "* * *", "a && b && c"])
def test_unreadable_periods_are_named(period: str) -> None:
    errors = period_errors([period])
    assert len(errors) == 1
    assert repr(period) in errors[0]
