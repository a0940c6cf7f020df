"""Candles as columns of exact integers, and what can be done with them.

Every price and quantity is an ``int64`` count of 1e-8 units (Binance's finest
precision), so aggregating minutes into hours or days is exact integer work, and a
1h candle equals the aggregate of its 60 one-minute candles to the last digit.
Values leave as :class:`~decimal.Decimal` (for the rest of the platform) or as JSON
text (for the API), rounded to the symbol's tick and step sizes.
"""

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from trading.market import intervals

E8 = 100_000_000
SUMMED = ("volume", "quote_volume", "trades", "taker_base", "taker_quote")
COLUMNS = ("open_time", "close_time", "open", "high", "low", "close") + SUMMED
# Below this a column's sums cannot overflow int64 whatever the group size.
_SAFE_SUM = 2**62


@dataclass(frozen=True)
class Kline:
    """One candle with Decimal values, as the rest of the platform reads it."""

    open_time: int
    close_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal
    trades: int
    taker_buy_base_volume: Decimal
    taker_buy_quote_volume: Decimal


def e8_to_decimal(value, decimals=8):
    """An e8 integer as a Decimal with ``decimals`` places (already rounded)."""
    return Decimal(int(value) // 10 ** (8 - decimals)).scaleb(-decimals)


def decimal_to_e8(value):
    """A Decimal as an e8 integer; refuses a value finer than 1e-8."""
    scaled = Decimal(value).scaleb(8)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than 8 decimal places")
    return int(scaled)


def round_to(values, unit):
    """Round e8 values to a multiple of ``unit`` e8 (half up), vectorised."""
    if unit <= 1:
        return values
    return (values + unit // 2) // unit * unit


def _sum(column, starts):
    if len(column) and int(np.abs(column).max()) * len(column) >= _SAFE_SUM:
        # Python integers: exact however large the totals (e.g. monthly volume).
        return np.add.reduceat(column.astype(object), starts)
    return np.add.reduceat(column, starts)


class Candles:
    """Columns of candles in open-time order; see the module docstring."""

    __slots__ = COLUMNS

    def __init__(self, **columns):
        for name in COLUMNS:
            setattr(self, name, np.asarray(columns[name]))

    @classmethod
    def empty(cls):
        return cls(**{name: np.zeros(0, dtype=np.int64) for name in COLUMNS})

    @classmethod
    def concat(cls, parts):
        parts = [part for part in parts if len(part)]
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        return cls(
            **{
                name: np.concatenate([getattr(part, name) for part in parts])
                for name in COLUMNS
            }
        )

    def __len__(self):
        return len(self.open_time)

    def slice(self, start, stop=None):
        return Candles(**{name: getattr(self, name)[start:stop] for name in COLUMNS})

    def between(self, first_open, last_open):
        """The candles opening in ``[first_open, last_open]``."""
        lo, hi = np.searchsorted(self.open_time, [first_open, last_open], side="left")
        if hi < len(self) and self.open_time[hi] == last_open:
            hi += 1
        return self.slice(lo, hi)

    def aggregate(self, interval):
        """Candles of a longer ``interval`` from these (minutes or days)."""
        if not len(self):
            return self
        buckets = intervals.bucket_opens(interval, self.open_time)
        starts = np.flatnonzero(np.r_[True, buckets[1:] != buckets[:-1]])
        ends = np.r_[starts[1:], len(self)] - 1
        opens = buckets[starts]
        closes = np.fromiter(
            (intervals.next_open(interval, int(t)) - 1 for t in opens),
            dtype=np.int64,
            count=len(opens),
        )
        summed = {name: _sum(getattr(self, name), starts) for name in SUMMED}
        return Candles(
            open_time=opens,
            close_time=closes,
            open=self.open[starts],
            high=np.maximum.reduceat(self.high, starts),
            low=np.minimum.reduceat(self.low, starts),
            close=self.close[ends],
            **summed,
        )

    def rows(self, spec):
        """Each candle as a :class:`Kline` rounded to the symbol's tick and step."""
        tick, step = spec.tick_e8, spec.step_e8
        pd, qd = spec.price_decimals, spec.qty_decimals
        prices = [
            round_to(getattr(self, name), tick).tolist()
            for name in ("open", "high", "low", "close")
        ]
        volume = round_to(self.volume, step).tolist()
        taker = round_to(self.taker_base, step).tolist()
        return [
            Kline(
                open_time=int(self.open_time[i]),
                close_time=int(self.close_time[i]),
                open=e8_to_decimal(prices[0][i], pd),
                high=e8_to_decimal(prices[1][i], pd),
                low=e8_to_decimal(prices[2][i], pd),
                close=e8_to_decimal(prices[3][i], pd),
                volume=e8_to_decimal(volume[i], qd),
                quote_volume=e8_to_decimal(self.quote_volume[i]),
                trades=int(self.trades[i]),
                taker_buy_base_volume=e8_to_decimal(taker[i], qd),
                taker_buy_quote_volume=e8_to_decimal(self.taker_quote[i]),
            )
            for i in range(len(self))
        ]

    def to_json(self, spec):
        """The candles as a JSON array of objects with Binance's field names."""
        return "[" + self.json_items(spec) + "]"

    def json_items(self, spec):
        """The candles as JSON objects separated by commas, without the brackets.

        Built as text in one pass: the klines route is the hottest read of the
        platform, and a generic encoder spends most of its time on Decimals.
        """
        tick, step = spec.tick_e8, spec.step_e8
        pd, qd = spec.price_decimals, spec.qty_decimals
        o, h, lo, c = (
            _fixed(round_to(column, tick), pd)
            for column in (self.open, self.high, self.low, self.close)
        )
        v = _fixed(round_to(self.volume, step), qd)
        tb = _fixed(round_to(self.taker_base, step), qd)
        q = _fixed(self.quote_volume, 8)
        tq = _fixed(self.taker_quote, 8)
        rows = zip(
            self.open_time.tolist(),
            o,
            h,
            lo,
            c,
            v,
            self.close_time.tolist(),
            q,
            self.trades.tolist(),
            tb,
            tq,
            strict=True,
        )
        return ",".join(_ROW % row for row in rows)


_ROW = (
    '{"openTime":%d,"open":%s,"high":%s,"low":%s,"close":%s,"volume":%s,'
    '"closeTime":%d,"quoteAssetVolume":%s,"numberOfTrades":%d,'
    '"takerBuyBaseAssetVolume":%s,"takerBuyQuoteAssetVolume":%s}'
)


def _fixed(values, decimals):
    """e8 integers (already rounded) as decimal strings with ``decimals`` places."""
    values = np.asarray(values)
    if values.dtype == object:
        return [str(e8_to_decimal(value, decimals)) for value in values]
    scale = 10 ** (8 - decimals)
    units = values // scale
    negative = units < 0
    whole, frac = np.divmod(np.abs(units), 10**decimals)
    if decimals == 0:
        text = [str(w) for w in whole.tolist()]
    else:
        fmt = f"%d.%0{decimals}d"
        text = [fmt % pair for pair in zip(whole.tolist(), frac.tolist(), strict=True)]
    if negative.any():
        text = [("-" + t) if n else t for t, n in zip(text, negative, strict=True)]
    return text
