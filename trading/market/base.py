"""The one interface through which the platform reads market data.

A source answers klines, prices, 24h tickers, order books and recent trades for
the symbols in the database. Sources that hold one-minute candles (simulated,
stored) share the window and ticker logic here; the exchange source asks the
exchange for each instead.
"""

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from core.errors import ValidationFailed
from core.time import to_epoch_ms, utc_now
from trading.market import intervals
from trading.market.candles import Candles, e8_to_decimal, round_to
from trading.market.intervals import DAY_MS, MINUTE_MS
from trading.market.symbols import SymbolSpec, all_specs, get_spec

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 500
MAX_LIMIT = 1000
BOOK_LIMITS = (5, 10, 20, 50, 100, 500, 1000, 5000)
MAX_TRADES = 1000


def moment(ms):
    return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass(frozen=True)
class Price:
    symbol: str
    price: Decimal
    time: datetime


@dataclass(frozen=True)
class Ticker:
    """Rolling 24h statistics with Binance's fields; times are datetimes here."""

    symbol: str
    price_change: Decimal
    price_change_percent: Decimal
    weighted_avg_price: Decimal
    prev_close_price: Decimal
    last_price: Decimal
    bid_price: Decimal
    ask_price: Decimal
    open_price: Decimal
    high_price: Decimal
    low_price: Decimal
    volume: Decimal
    quote_volume: Decimal
    open_time: datetime
    close_time: datetime
    count: int


@dataclass(frozen=True)
class OrderBook:
    symbol: str
    last_update_id: int
    bids: list = field(default_factory=list)  # [(price, quantity)] best first
    asks: list = field(default_factory=list)
    time: datetime | None = None


@dataclass(frozen=True)
class Trade:
    id: int
    symbol: str
    price: Decimal
    quantity: Decimal
    time: datetime
    is_buyer_maker: bool


def resolve(symbol):
    return symbol if isinstance(symbol, SymbolSpec) else get_spec(symbol)


def check_interval(interval):
    if not intervals.is_interval(interval):
        raise ValidationFailed(
            "interval",
            f"Unknown interval {interval!r}; one of {', '.join(intervals.INTERVALS)}.",
        )


def check_limit(limit, maximum=MAX_LIMIT, field_name="limit"):
    if not 1 <= limit <= maximum:
        raise ValidationFailed(field_name, f"Must be between 1 and {maximum}.")


def window(interval, start, end, limit, now_ms, first_ms):
    """Open times ``(first, last)`` of the candles a klines request answers.

    As Binance: candles whose open time lies in ``[start, end]``; with a start the
    oldest ``limit`` from it, otherwise the newest ``limit``. Nothing opens after
    ``now_ms`` or before the candle holding the source's first data ``first_ms``.
    Answers None when no candle qualifies.
    """
    latest = now_ms if end is None else min(end, now_ms)
    if first_ms is None or latest < first_ms:
        return None
    last_open = intervals.floor_open(interval, latest)
    earliest = intervals.floor_open(interval, first_ms)
    if start is None:
        return max(intervals.step_back(interval, last_open, limit - 1), earliest), (
            last_open
        )
    first_open = max(intervals.ceil_open(interval, start), earliest)
    if first_open > last_open:
        return None
    count = min(limit, intervals.count_between(interval, first_open, last_open))
    return first_open, intervals.step_back(interval, first_open, 1 - count)


class MarketSource:
    """What every source answers. ``symbol`` is a name or a SymbolSpec; ``now``
    (a datetime) pins the clock, for reproducible reads."""

    name = "base"

    def symbols(self):
        return all_specs()

    def klines(
        self, symbol, interval="1m", start=None, end=None, limit=DEFAULT_LIMIT, now=None
    ):
        """Candles (:class:`~trading.market.candles.Candles`) of ``interval``;
        ``start`` and ``end`` are epoch milliseconds."""
        raise NotImplementedError

    def klines_json(
        self, symbol, interval="1m", start=None, end=None, limit=DEFAULT_LIMIT, now=None
    ):
        """:meth:`klines` as a JSON array of objects with Binance's field names."""
        spec = resolve(symbol)
        return self.klines(spec, interval, start, end, limit, now).to_json(spec)

    def price(self, symbol, now=None):
        raise NotImplementedError

    def prices(self, symbols=None, now=None):
        now = now or utc_now()
        specs = [resolve(s) for s in symbols] if symbols else self.symbols()
        return [self.price(spec, now=now) for spec in specs]

    def ticker(self, symbol, now=None):
        raise NotImplementedError

    def tickers(self, symbols=None, now=None):
        now = now or utc_now()
        specs = [resolve(s) for s in symbols] if symbols else self.symbols()
        return [self.ticker(spec, now=now) for spec in specs]

    def orderbook(self, symbol, limit=100, now=None):
        raise NotImplementedError

    def trades(self, symbol, limit=100, now=None):
        raise NotImplementedError


class _Closed:
    """Closed candles and, once asked for, their JSON text."""

    __slots__ = ("candles", "text")

    def __init__(self, candles):
        self.candles = candles
        self.text = None

    def json(self, spec):
        if self.text is None:
            self.text = self.candles.json_items(spec)
        return self.text


class ClosedCache:
    """A small LRU of closed candle spans: a source whose past never changes
    answers the same span to every client until the next candle closes."""

    def __init__(self, size=256):
        self.size = size
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, compute):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
                return entry
        entry = _Closed(compute())
        with self.lock:
            self.entries[key] = entry
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return entry


class MinuteSource(MarketSource):
    """A source that can produce one-minute candles for any range it holds.

    Subclasses implement :meth:`minutes`, :meth:`first_ms` and, when they can do
    better than aggregating minutes, :meth:`days`. One whose past candles can never
    change sets ``immutable_past`` to have closed spans cached.
    """

    immutable_past = False

    def __init__(self):
        self._closed_cache = ClosedCache()

    def first_ms(self, spec):
        raise NotImplementedError

    def last_ms(self, spec, now_ms):
        """The newest instant with data: now, for a source that has no gaps."""
        return now_ms

    def minutes(self, spec, start_ms, end_ms, now_ms):
        """One-minute candles opening in ``[start_ms, end_ms)`` up to ``now_ms``."""
        raise NotImplementedError

    def days(self, spec, start_ms, end_ms, now_ms):
        return self.minutes(spec, start_ms, end_ms, now_ms).aggregate("1d")

    def klines(
        self, symbol, interval="1m", start=None, end=None, limit=DEFAULT_LIMIT, now=None
    ):
        spec = resolve(symbol)
        check_interval(interval)
        check_limit(limit)
        now_ms = to_epoch_ms(now or utc_now())
        latest = min(now_ms, self.last_ms(spec, now_ms))
        span = window(interval, start, end, limit, latest, self.first_ms(spec))
        if span is None:
            return Candles.empty()
        first_open, last_open = span
        if not self.immutable_past:
            return self._compute(spec, interval, first_open, last_open, now_ms)
        closed, current = self._parts(spec, interval, first_open, last_open, now_ms)
        return Candles.concat([part for part in (closed, current) if part is not None])

    def klines_json(
        self, symbol, interval="1m", start=None, end=None, limit=DEFAULT_LIMIT, now=None
    ):
        """:meth:`klines` as a JSON array; closed candles come pre-rendered."""
        spec = resolve(symbol)
        check_interval(interval)
        check_limit(limit)
        now_ms = to_epoch_ms(now or utc_now())
        if not self.immutable_past:
            return self.klines(spec, interval, start, end, limit, now).to_json(spec)
        latest = min(now_ms, self.last_ms(spec, now_ms))
        span = window(interval, start, end, limit, latest, self.first_ms(spec))
        if span is None:
            return "[]"
        closed, current = self._parts(spec, interval, *span, now_ms, text=True)
        items = [part for part in (closed, current) if part]
        return "[" + ",".join(items) + "]"

    def _parts(self, spec, interval, first_open, last_open, now_ms, text=False):
        """The closed candles of the span (cached: they never change) and the one
        in progress, if any; as Candles, or as JSON items with ``text``."""
        current = None
        last_closed = last_open
        if intervals.next_open(interval, last_open) > now_ms:
            current = self._compute(spec, interval, last_open, last_open, now_ms)
            last_closed = intervals.step_back(interval, last_open, 1)
        closed = None
        if last_closed >= first_open:
            closed = self._closed_cache.get(
                (spec, interval, first_open, last_closed),
                lambda: self._compute(spec, interval, first_open, last_closed, now_ms),
            )
        if not text:
            return (closed.candles if closed else None), current
        return (
            closed.json(spec) if closed else "",
            current.json_items(spec) if current is not None else "",
        )

    def _compute(self, spec, interval, first_open, last_open, now_ms):
        end_ms = intervals.next_open(interval, last_open)
        if intervals.is_daily_or_longer(interval):
            candles = self.days(spec, first_open, end_ms, now_ms)
            if interval != "1d":
                candles = candles.aggregate(interval)
        else:
            candles = self.minutes(spec, first_open, end_ms, now_ms)
            if interval != "1m":
                candles = candles.aggregate(interval)
        return candles.between(first_open, last_open)

    def _last_minute(self, spec, now_ms):
        now_ms = min(now_ms, self.last_ms(spec, now_ms) + MINUTE_MS - 1)
        minute = now_ms // MINUTE_MS * MINUTE_MS
        candles = self.minutes(spec, minute - MINUTE_MS, minute + MINUTE_MS, now_ms)
        return candles.slice(-1) if len(candles) else None

    def price(self, symbol, now=None):
        spec = resolve(symbol)
        now = now or utc_now()
        last = self._last_minute(spec, to_epoch_ms(now))
        if last is None:
            raise ValidationFailed(
                "symbol", f"No market data for {spec.symbol}.", reason="NO_DATA"
            )
        price = round_to(last.close, spec.tick_e8)[0]
        return Price(spec.symbol, e8_to_decimal(price, spec.price_decimals), now)

    def ticker(self, symbol, now=None):
        """Rolling 24h statistics from the minutes of the last day, as Binance's."""
        from trading.market import book

        spec = resolve(symbol)
        now = now or utc_now()
        now_ms = min(
            to_epoch_ms(now), self.last_ms(spec, to_epoch_ms(now)) + MINUTE_MS - 1
        )
        minute = now_ms // MINUTE_MS * MINUTE_MS
        day = self.minutes(
            spec, minute - DAY_MS + MINUTE_MS, minute + MINUTE_MS, now_ms
        )
        if not len(day):
            raise ValidationFailed(
                "symbol", f"No market data for {spec.symbol}.", reason="NO_DATA"
            )
        quotes = book.best_quotes(spec, int(day.close[-1]), now_ms)
        return ticker_from_minutes(spec, day, now_ms, quotes)

    def orderbook(self, symbol, limit=100, now=None):
        from trading.market import book

        spec = resolve(symbol)
        now = now or utc_now()
        check_book_limit(limit)
        last = self._last_minute(spec, to_epoch_ms(now))
        if last is None:
            raise ValidationFailed(
                "symbol", f"No market data for {spec.symbol}.", reason="NO_DATA"
            )
        return book.synthetic_book(spec, last, limit, now)

    def trades(self, symbol, limit=100, now=None):
        from trading.market import book

        spec = resolve(symbol)
        now = now or utc_now()
        check_limit(limit, MAX_TRADES)
        now_ms = to_epoch_ms(now)
        minute = now_ms // MINUTE_MS * MINUTE_MS
        recent = self.complete_minutes(spec, minute - 2 * MINUTE_MS, minute + MINUTE_MS)
        return book.synthetic_trades(spec, recent, limit, now_ms)

    def complete_minutes(self, spec, start_ms, end_ms):
        """The minutes in ``[start_ms, end_ms)`` as they are (or will be) complete;
        sources that only hold the past answer what they have."""
        return self.minutes(spec, start_ms, end_ms, end_ms)


def check_book_limit(limit):
    if limit not in BOOK_LIMITS:
        raise ValidationFailed(
            "limit", f"Must be one of {', '.join(map(str, BOOK_LIMITS))}."
        )


def ticker_from_minutes(spec, minutes, now_ms, quotes):
    """A 24h ticker over ``minutes`` (oldest first, the last one possibly partial)."""
    tick, pd = spec.tick_e8, spec.price_decimals
    open_e8 = int(minutes.open[0])
    last_e8 = int(minutes.close[-1])
    volume_e8 = int(minutes.volume.astype(object).sum())
    quote_e8 = int(minutes.quote_volume.astype(object).sum())

    def price(value):
        return e8_to_decimal(round_to(value, tick), pd)

    change = price(last_e8) - price(open_e8)
    percent = (change * 100 / price(open_e8)).quantize(Decimal("0.001"))
    weighted = (
        spec.round_price(Decimal(quote_e8) / Decimal(volume_e8))
        if volume_e8
        else price(last_e8)
    )
    bid_e8, ask_e8 = quotes
    return Ticker(
        symbol=spec.symbol,
        price_change=change,
        price_change_percent=percent,
        weighted_avg_price=weighted,
        prev_close_price=price(open_e8),
        last_price=price(last_e8),
        bid_price=price(bid_e8),
        ask_price=price(ask_e8),
        open_price=price(open_e8),
        high_price=price(int(minutes.high.max())),
        low_price=price(int(minutes.low.min())),
        volume=spec.round_qty(e8_to_decimal(volume_e8)),
        quote_volume=e8_to_decimal(quote_e8),
        open_time=moment(now_ms - DAY_MS),
        close_time=moment(now_ms),
        count=int(minutes.trades.sum()),
    )
