"""Kline intervals as Binance names them, and where their candles open.

Every interval but ``1M`` is a fixed number of milliseconds; candles open at
multiples of it counted from the Unix epoch, except weeks, which open on Mondays
at 00:00 UTC as Binance's do. Months open on the first of the month.
"""

from datetime import UTC, datetime

import numpy as np

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
# 1970-01-01 was a Thursday; Binance weeks open on Monday, four days later.
WEEK_OFFSET_MS = 4 * DAY_MS

INTERVAL_MS = {
    "1m": MINUTE_MS,
    "3m": 3 * MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "30m": 30 * MINUTE_MS,
    "1h": HOUR_MS,
    "2h": 2 * HOUR_MS,
    "4h": 4 * HOUR_MS,
    "6h": 6 * HOUR_MS,
    "8h": 8 * HOUR_MS,
    "12h": 12 * HOUR_MS,
    "1d": DAY_MS,
    "3d": 3 * DAY_MS,
    "1w": 7 * DAY_MS,
    "1M": None,
}
INTERVALS = tuple(INTERVAL_MS)


def is_interval(name):
    return name in INTERVAL_MS


def is_daily_or_longer(interval):
    size = INTERVAL_MS[interval]
    return size is None or size >= DAY_MS


def _month_index(ms):
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.year * 12 + moment.month - 1


def _month_start(index):
    year, month = divmod(index, 12)
    return int(datetime(year, month + 1, 1, tzinfo=UTC).timestamp() * 1000)


def floor_open(interval, ms):
    """Open time of the candle of ``interval`` that contains instant ``ms``."""
    size = INTERVAL_MS[interval]
    if size is None:
        return _month_start(_month_index(ms))
    offset = WEEK_OFFSET_MS if interval == "1w" else 0
    return (ms - offset) // size * size + offset


def next_open(interval, open_ms):
    """Open time of the candle after the one opening at ``open_ms``."""
    size = INTERVAL_MS[interval]
    if size is None:
        return _month_start(_month_index(open_ms) + 1)
    return open_ms + size


def ceil_open(interval, ms):
    """The first open time at or after ``ms``."""
    start = floor_open(interval, ms)
    return start if start == ms else next_open(interval, start)


def step_back(interval, open_ms, count):
    """The open time ``count`` candles before ``open_ms``."""
    size = INTERVAL_MS[interval]
    if size is not None:
        return open_ms - count * size
    return _month_start(_month_index(open_ms) - count)


def count_between(interval, first_open, last_open):
    """How many candles open from ``first_open`` to ``last_open`` inclusive."""
    size = INTERVAL_MS[interval]
    if size is not None:
        return (last_open - first_open) // size + 1
    return _month_index(last_open) - _month_index(first_open) + 1


def bucket_opens(interval, times):
    """Vectorised :func:`floor_open` over an int64 array of instants."""
    size = INTERVAL_MS[interval]
    if size is not None:
        offset = WEEK_OFFSET_MS if interval == "1w" else 0
        return (times - offset) // size * size + offset
    # Months: few distinct days reach here (daily candles), so a loop is cheap.
    return np.fromiter(
        (floor_open(interval, int(t)) for t in times), dtype=np.int64, count=len(times)
    )
