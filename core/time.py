"""One home for how the platform reads and writes time: UTC, ISO-8601 with Z."""

from datetime import UTC, datetime


def utc_now():
    return datetime.now(UTC)


def isoformat(moment):
    """ISO-8601 in UTC ending in ``Z``, as the API documents every timestamp."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def to_epoch_ms(moment):
    return int(moment.timestamp() * 1000)
