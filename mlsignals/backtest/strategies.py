"""Trading strategies: closed candles in, target positions out.

One interface serves the backtests and, later, the live trading agents, so the
code that is backtested is the code that trades. A strategy reads a frame of
closed candles (``mlsignals.engine.frames``: ``open_time``, ``open``, ``high``,
``low``, ``close``, ``volume``) and answers, for each candle, the position it
wants once that candle has closed:

- ``+1`` long, ``-1`` short, ``0`` flat;
- ``NaN`` no new decision: keep whatever position is held.

A strategy decides on events (a cross, a breakout), not on states, so after a
stop loss it waits for the next event instead of re-entering at once. It knows
nothing of fills, fees or sizing: the backtest engine fills at the next
candle's open, a live agent sends an order. Every value at candle ``t`` depends
only on candles up to ``t`` (TA-Lib's functions are causal).

Each strategy declares its parameters with a type, a default and bounds;
:func:`build` validates them and answers a 422 naming ``parameters.<name>``.
"""

import logging
from dataclasses import dataclass

import numpy as np
import talib

from core.errors import ValidationFailed

logger = logging.getLogger(__name__)

LONG, FLAT, SHORT = 1.0, 0.0, -1.0


@dataclass(frozen=True)
class Param:
    """A declared parameter: ``kind`` is ``int`` or ``float``; bounds inclusive."""

    name: str
    kind: type
    default: float
    minimum: float
    maximum: float
    help: str

    def clean(self, raw):
        field = f"parameters.{self.name}"
        if isinstance(raw, bool) or raw is None:
            raise ValidationFailed(field, f"Must be a number ({self.help}).")
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise ValidationFailed(field, f"Must be a number ({self.help}).")
        if self.kind is int:
            if value != int(value):
                raise ValidationFailed(field, "Must be a whole number.")
            value = int(value)
        if not self.minimum <= value <= self.maximum:
            raise ValidationFailed(
                field,
                f"Must be between {_show(self.minimum)} and {_show(self.maximum)}.",
                reason="OUT_OF_RANGE",
            )
        return value

    def describe(self):
        return {
            "name": self.name,
            "type": "integer" if self.kind is int else "number",
            "default": self.default,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "description": self.help,
        }


def _show(number):
    return str(int(number)) if float(number).is_integer() else str(number)


def cross_above(a, b):
    """True at ``t`` when ``a`` went from at or below ``b`` to above it."""
    out = np.zeros(len(a), dtype=bool)
    with np.errstate(invalid="ignore"):
        out[1:] = (a[:-1] <= b[:-1]) & (a[1:] > b[1:])
    return out


def cross_below(a, b):
    """True at ``t`` when ``a`` went from at or above ``b`` to below it."""
    out = np.zeros(len(a), dtype=bool)
    with np.errstate(invalid="ignore"):
        out[1:] = (a[:-1] >= b[:-1]) & (a[1:] < b[1:])
    return out


def _events(n, long_at, short_at, flat_at=None):
    """Targets from event masks; a later mask wins where two coincide."""
    targets = np.full(n, np.nan)
    if flat_at is not None:
        targets[flat_at] = FLAT
    targets[short_at] = SHORT
    targets[long_at] = LONG
    return targets


def _close(candles):
    return np.ascontiguousarray(candles["close"].to_numpy(dtype="float64"))


class Strategy:
    """Base class: subclasses set ``key``, ``params`` and implement
    :meth:`targets`."""

    key = ""
    summary = ""
    params: tuple = ()

    def __init__(self, values, context=None):
        self.values = values
        self.context = context or {}

    def __getattr__(self, name):
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name)

    def check(self):
        """Constraints between parameters; raise ValidationFailed."""

    def warmup(self):
        """Candles needed before the first decision can be taken."""
        return 0

    def targets(self, candles):
        """Target position after each closed candle (+1, 0, -1 or NaN)."""
        raise NotImplementedError

    def decide(self, candles):
        """The decision after the newest closed candle, or None to keep the
        position: what a live agent asks after each candle closes."""
        if not len(candles):
            return None
        last = self.targets(candles)[-1]
        return None if np.isnan(last) else float(last)

    @classmethod
    def describe(cls):
        return {
            "key": cls.key,
            "summary": cls.summary,
            "parameters": [param.describe() for param in cls.params],
        }


class MeanReversion(Strategy):
    key = "MEAN_REVERSION"
    summary = (
        "RSI(rsiPeriod): long when the RSI falls below `oversold`, flat (or short "
        "when shorts are allowed) when it rises above `overbought`."
    )
    params = (
        Param("rsiPeriod", int, 14, 2, 200, "RSI length in candles"),
        Param("oversold", float, 30, 1, 49, "RSI level that opens a long"),
        Param("overbought", float, 70, 51, 99, "RSI level that closes it"),
    )

    def warmup(self):
        return self.rsiPeriod + 1

    def targets(self, candles):
        rsi = talib.RSI(_close(candles), self.rsiPeriod)
        n = len(rsi)
        low = np.full(n, float(self.oversold))
        high = np.full(n, float(self.overbought))
        return _events(n, cross_below(rsi, low), cross_above(rsi, high))


class TrendFollowing(Strategy):
    key = "TREND_FOLLOWING"
    summary = (
        "EMA cross: long when EMA(fastPeriod) crosses above EMA(slowPeriod), flat "
        "(or short) when it crosses below."
    )
    params = (
        Param("fastPeriod", int, 12, 2, 200, "fast EMA length"),
        Param("slowPeriod", int, 26, 3, 500, "slow EMA length"),
    )

    def check(self):
        if self.fastPeriod >= self.slowPeriod:
            raise ValidationFailed(
                "parameters.fastPeriod", "Must be shorter than slowPeriod."
            )

    def warmup(self):
        return self.slowPeriod + 1

    def targets(self, candles):
        close = _close(candles)
        fast = talib.EMA(close, self.fastPeriod)
        slow = talib.EMA(close, self.slowPeriod)
        return _events(len(close), cross_above(fast, slow), cross_below(fast, slow))


class MacdCross(Strategy):
    key = "MACD_CROSS"
    summary = (
        "MACD(fastPeriod, slowPeriod, signalPeriod): long when the MACD line "
        "crosses above its signal line, flat (or short) when it crosses below."
    )
    params = (
        Param("fastPeriod", int, 12, 2, 200, "fast EMA length"),
        Param("slowPeriod", int, 26, 3, 500, "slow EMA length"),
        Param("signalPeriod", int, 9, 2, 200, "signal line EMA length"),
    )

    check = TrendFollowing.check

    def warmup(self):
        return self.slowPeriod + self.signalPeriod

    def targets(self, candles):
        close = _close(candles)
        macd, signal, _ = talib.MACD(
            close, self.fastPeriod, self.slowPeriod, self.signalPeriod
        )
        return _events(len(close), cross_above(macd, signal), cross_below(macd, signal))


class Breakout(Strategy):
    key = "BREAKOUT"
    summary = (
        "Donchian channel of the previous `period` candles: long when a close "
        "breaks above the channel's high, flat (or short) when one breaks below "
        "its low."
    )
    params = (Param("period", int, 20, 2, 500, "channel length in candles"),)

    def warmup(self):
        return self.period + 1

    def targets(self, candles):
        close = _close(candles)
        high = np.ascontiguousarray(candles["high"].to_numpy(dtype="float64"))
        low = np.ascontiguousarray(candles["low"].to_numpy(dtype="float64"))
        # The channel of the candles before t, so that t itself can break it.
        upper = np.r_[np.nan, talib.MAX(high, self.period)[:-1]]
        lower = np.r_[np.nan, talib.MIN(low, self.period)[:-1]]
        with np.errstate(invalid="ignore"):
            return _events(len(close), close > upper, close < lower)


class BollingerReversion(Strategy):
    key = "BOLLINGER_REVERSION"
    summary = (
        "Bollinger(period, stdDev): long when the close falls below the lower "
        "band, short when it rises above the upper band (shorts allowed), flat "
        "when it crosses back over the middle band."
    )
    params = (
        Param("period", int, 20, 2, 500, "moving average length"),
        Param("stdDev", float, 2.0, 0.5, 5.0, "band width in standard deviations"),
    )

    def warmup(self):
        return self.period + 1

    def targets(self, candles):
        close = _close(candles)
        upper, middle, lower = talib.BBANDS(
            close, self.period, self.stdDev, self.stdDev, 0
        )
        flat = cross_above(close, middle) | cross_below(close, middle)
        return _events(
            len(close), cross_below(close, lower), cross_above(close, upper), flat
        )


class MlSignal(Strategy):
    """The trained signal model (``mlsignals.engine.signals``) as a strategy.

    ``context["model"]`` holds the stored model parameters (``SignalModel.params``);
    the service passes the symbol's active model.
    """

    key = "ML_SIGNAL"
    summary = (
        "The symbol's trained signal model: long when its probability of a rise "
        "is at least `buyAt`, flat (or short) when it is at most 1 - buyAt."
    )
    params = (
        Param("buyAt", float, 0.55, 0.5, 0.95, "probability of a rise to go long"),
    )

    def warmup(self):
        from mlsignals.engine import signals

        return signals.WARMUP

    def targets(self, candles):
        from mlsignals.engine import signals

        p = signals.predict(self.context["model"], signals.features(candles))
        with np.errstate(invalid="ignore"):
            targets = _events(len(p), p >= self.buyAt, p <= 1 - self.buyAt)
        targets[: signals.WARMUP] = np.nan
        return targets


STRATEGIES = {
    cls.key: cls
    for cls in (
        MeanReversion,
        TrendFollowing,
        MacdCross,
        Breakout,
        BollingerReversion,
        MlSignal,
    )
}


def build(key, raw=None, context=None):
    """A strategy with validated parameters (defaults for those not given)."""
    cls = STRATEGIES.get(key)
    if cls is None:
        raise ValidationFailed(
            "strategy", f"Unknown strategy {key!r}; one of {', '.join(STRATEGIES)}."
        )
    raw = raw or {}
    if not isinstance(raw, dict):
        raise ValidationFailed("parameters", "Must be an object.")
    known = {param.name for param in cls.params}
    for name in raw:
        if name not in known:
            allowed = ", ".join(sorted(known)) or "none"
            raise ValidationFailed(
                f"parameters.{name}",
                f"Unknown parameter of {key}; allowed: {allowed}.",
                reason="UNKNOWN_PARAMETER",
            )
    values = {
        param.name: param.clean(raw[param.name]) if param.name in raw else param.default
        for param in cls.params
    }
    strategy = cls(values, context)
    strategy.check()
    return strategy
