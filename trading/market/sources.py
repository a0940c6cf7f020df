"""The simulated and stored sources (the exchange source lives in exchange.py)."""

import dataclasses
import logging
import threading
from collections import OrderedDict

import numpy as np

from core.time import to_epoch_ms, utc_now
from trading.market.base import MinuteSource, resolve
from trading.market.candles import Candles
from trading.market.intervals import MINUTE_MS
from trading.market.simulated import EPOCH_MS, market

logger = logging.getLogger(__name__)


class SimulatedSource(MinuteSource):
    """The deterministic market of :mod:`trading.market.simulated`."""

    name = "simulated"
    # A pure function of (symbol, minute): a closed candle never changes.
    immutable_past = True
    # Kept per second: books (a few symbols and depths) and last minutes.
    SECONDS_KEPT = 64

    def __init__(self):
        super().__init__()
        self._this_second = OrderedDict()
        self._this_second_lock = threading.Lock()

    def _of_the_second(self, key, compute):
        found = self._this_second.get(key)
        if found is None:
            found = compute()
            with self._this_second_lock:
                self._this_second[key] = found
                while len(self._this_second) > self.SECONDS_KEPT:
                    self._this_second.popitem(last=False)
        return found

    def orderbook(self, symbol, limit=100, now=None):
        # The book is a pure function of (symbol, depth, second): the orders of
        # one second share it instead of each synthesising 2 x depth levels.
        spec = resolve(symbol)
        now = now or utc_now()
        book = self._of_the_second(
            ("book", spec.symbol, limit, to_epoch_ms(now) // 1000),
            lambda: super(SimulatedSource, self).orderbook(spec, limit, now),
        )
        return dataclasses.replace(book, time=now)

    def _last_minute(self, spec, now_ms):
        # The minute in progress moves by the second (market.partial_minute).
        return self._of_the_second(
            ("minute", spec.symbol, now_ms // 1000),
            lambda: super(SimulatedSource, self)._last_minute(spec, now_ms),
        )

    def first_ms(self, spec):
        return EPOCH_MS

    def minutes(self, spec, start_ms, end_ms, now_ms):
        return market.minutes(spec, start_ms, end_ms, now_ms)

    def days(self, spec, start_ms, end_ms, now_ms):
        return market.days(spec, start_ms, end_ms, now_ms)

    def complete_minutes(self, spec, start_ms, end_ms):
        # The model knows each minute whole before it ends; the trades cut it.
        return market.minutes(spec, start_ms, end_ms, end_ms + MINUTE_MS)


_KLINE_COLUMNS = (
    "open_time",
    "close_time",
    "open_e8",
    "high_e8",
    "low_e8",
    "close_e8",
    "volume_e8",
    "quote_volume_e8",
    "trades",
    "taker_base_e8",
    "taker_quote_e8",
)


def candles_from_rows(rows):
    """Candles from ``values_list(*_KLINE_COLUMNS)`` rows in open-time order."""
    if not rows:
        return Candles.empty()
    table = np.array(rows, dtype=np.int64)
    names = (
        "open_time",
        "close_time",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "quote_volume",
        "trades",
        "taker_base",
        "taker_quote",
    )
    return Candles(**{name: table[:, i] for i, name in enumerate(names)})


class StoredSource(MinuteSource):
    """Klines kept in the database by the importer, the backfill and the recorder.

    Candles of an interval are served from rows of that interval when the symbol
    has any, otherwise aggregated from its one-minute rows. Stored data has gaps
    where nothing was recorded; a candle aggregates the minutes that exist.
    """

    name = "stored"

    def _rows(self, spec, interval):
        from trading.models import Kline

        return Kline.objects.filter(symbol__symbol=spec.symbol, interval=interval)

    def first_ms(self, spec):
        return (
            self._rows(spec, "1m")
            .order_by("open_time")
            .values_list("open_time", flat=True)
            .first()
        )

    def last_ms(self, spec, now_ms):
        # The newest stored minute, so that "the newest candles" are the newest
        # ones recorded even when recording stopped a while ago.
        last = (
            self._rows(spec, "1m")
            .filter(open_time__lte=now_ms)
            .order_by("-open_time")
            .values_list("open_time", flat=True)
            .first()
        )
        return now_ms if last is None else last

    def minutes(self, spec, start_ms, end_ms, now_ms):
        rows = (
            self._rows(spec, "1m")
            .filter(open_time__gte=start_ms, open_time__lt=end_ms)
            .filter(open_time__lte=now_ms)
            .order_by("open_time")
            .values_list(*_KLINE_COLUMNS)
        )
        return candles_from_rows(list(rows))

    def klines(self, symbol, interval="1m", start=None, end=None, limit=500, now=None):
        from core.time import to_epoch_ms, utc_now
        from trading.market.base import check_interval, check_limit, resolve

        spec = resolve(symbol)
        check_interval(interval)
        check_limit(limit)
        if interval == "1m" or not self._rows(spec, interval).exists():
            return super().klines(spec, interval, start, end, limit, now)

        # Rows of exactly this interval (e.g. imported daily files), as stored.
        now_ms = to_epoch_ms(now or utc_now())
        rows = self._rows(spec, interval).filter(open_time__lte=now_ms)
        if end is not None:
            rows = rows.filter(open_time__lte=end)
        if start is not None:
            rows = rows.filter(open_time__gte=start).order_by("open_time")
            picked = list(rows.values_list(*_KLINE_COLUMNS)[:limit])
        else:
            rows = rows.order_by("-open_time")
            picked = list(rows.values_list(*_KLINE_COLUMNS)[:limit])[::-1]
        return candles_from_rows(picked)
