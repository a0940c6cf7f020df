"""The periods the analytics answer for, and the window each one covers."""

from datetime import timedelta

from core.errors import ValidationFailed

PERIOD_DAYS = {"1d": 1, "7d": 7, "30d": 30, "90d": 90, "1y": 365, "all": None}
PERIODS = tuple(PERIOD_DAYS)


def check(period, field="period"):
    if period not in PERIOD_DAYS:
        raise ValidationFailed(
            field, f"Unknown period {period!r}; one of {', '.join(PERIODS)}."
        )
    return period


def window_start(period, now):
    """Where ``period`` starts when it ends ``now`` (None: from the beginning)."""
    days = PERIOD_DAYS[check(period)]
    return None if days is None else now - timedelta(days=days)


def days_of(period):
    return PERIOD_DAYS[check(period)]
