"""The one place the engine reads market data: closed candles as a DataFrame.

The engine works on closed candles only. A candle still forming changes until it
closes, so a signal computed on it would change too; a signal for the candle
that opened at ``t`` is computed once that candle has closed and never again.
"""

import logging
import time

import numpy as np

from core.errors import ValidationFailed
from core.time import to_epoch_ms, utc_now
from mlsignals.engine.frames import make_frame
from trading.market import get_source, intervals
from trading.market.candles import E8, Candles
from trading.market.symbols import get_spec

logger = logging.getLogger(__name__)

PAGE = 1000


def check_timeframe(timeframe, field="timeframe"):
    if not intervals.is_interval(timeframe):
        allowed = ", ".join(intervals.INTERVALS)
        raise ValidationFailed(
            field, f"Unknown timeframe {timeframe!r}; one of {allowed}."
        )
    return timeframe


def symbol_spec(symbol, field="symbol"):
    """The symbol's spec; a 422 naming ``field`` when the symbol is unknown."""
    return get_spec(symbol, field)


def last_closed_open(timeframe, now=None):
    """Open time (epoch ms) of the newest candle that has closed at ``now``."""
    now_ms = to_epoch_ms(now or utc_now())
    current = intervals.floor_open(timeframe, now_ms)
    return intervals.step_back(timeframe, current, 1)


def closed_candles(spec, timeframe, count, now=None):
    """Up to ``count`` closed candles ending with the newest closed one."""
    now = now or utc_now()
    source = get_source()
    end = last_closed_open(timeframe, now)
    parts = []
    remaining = count
    while remaining > 0:
        want = min(PAGE, remaining)
        page = source.klines(spec, timeframe, end=end, limit=want, now=now)
        if not len(page):
            break
        parts.append(page)
        remaining -= len(page)
        if len(page) < want:
            break
        end = int(page.open_time[0]) - 1
    return Candles.concat(parts[::-1])


def to_frame(candles):
    """Candles (e8 integers) as the engine's float frame."""
    return make_frame(
        candles.open_time,
        *(
            np.asarray(getattr(candles, name), dtype="float64") / E8
            for name in ("open", "high", "low", "close", "volume")
        ),
    )


def frame(spec, timeframe, count, now=None):
    """The last ``count`` closed candles of ``spec`` as a DataFrame."""
    started = time.perf_counter()
    result = to_frame(closed_candles(spec, timeframe, count, now))
    logger.debug(
        "Read %d %s candles of %s in %.1fms",
        len(result),
        timeframe,
        spec.symbol,
        (time.perf_counter() - started) * 1000,
    )
    return result


def probe(now=None):
    """Whether the data source answers: ``(reachable, latency ms, source name)``."""
    source = get_source()
    started = time.perf_counter()
    specs = source.symbols()
    if not specs:
        return False, None, source.name
    source.klines(specs[0], "1m", limit=1, now=now)
    return True, (time.perf_counter() - started) * 1000, source.name


def candles_between(spec, timeframe, first_open, last_open, now=None):
    """The closed candles opening in ``[first_open, last_open]`` (epoch ms)."""
    now = now or utc_now()
    last_open = min(last_open, last_closed_open(timeframe, now))
    source = get_source()
    parts = []
    cursor = first_open
    while cursor <= last_open:
        page = source.klines(
            spec, timeframe, start=cursor, end=last_open, limit=PAGE, now=now
        )
        if not len(page):
            # A gap in stored data as long as a page: look past it.
            cursor = intervals.step_back(timeframe, cursor, -PAGE)
            continue
        parts.append(page)
        cursor = intervals.next_open(timeframe, int(page.open_time[-1]))
    return Candles.concat(parts)


def first_candle_between(spec, timeframe, first_open, last_open, now=None):
    """Open time of the first closed candle in the range, or None."""
    now = now or utc_now()
    last_open = min(last_open, last_closed_open(timeframe, now))
    if last_open < first_open:
        return None
    page = get_source().klines(
        spec, timeframe, start=first_open, end=last_open, limit=1, now=now
    )
    return int(page.open_time[0]) if len(page) else None
