"""Indicators, AMD phases, levels and predictions for one symbol and timeframe.

Every report is computed from the closed candles of the market data source and
cached per symbol, timeframe and newest closed candle, until the next one closes.
"""

import logging
import math
from dataclasses import dataclass

from django.core.cache import cache

from core.errors import ValidationFailed
from mlsignals import data
from mlsignals.engine import amd, forecast, indicators, levels
from mlsignals.engine.frames import epoch_ms
from mlsignals.formatting import ms_to_iso, number, price
from trading.market import intervals

logger = logging.getLogger(__name__)

# TODO: the live window is the newest 1,000 closed candles, so EMA-200 and the AMD
# state near its start depend a little on where the window begins; a backtest that
# starts elsewhere can differ in the last digits until the backtesting issue
# anchors windows at a fixed origin.
WINDOW = 1000
MIN_CANDLES = 100
INDICATOR_WARMUP = 300
CACHE_VERSION = 1


@dataclass
class Snapshot:
    """The closed candles of one symbol and timeframe, with what the engine
    computes on every one of them."""

    spec: object
    timeframe: str
    frame: object
    values: dict
    labels: amd.Labels

    @property
    def close(self):
        return self.frame["close"].to_numpy(dtype="float64")

    @property
    def open_ms(self):
        return epoch_ms(self.frame)

    def close_time_ms(self, index=-1):
        opened = int(self.open_ms[index])
        return intervals.next_open(self.timeframe, opened)


def snapshot(spec, timeframe, count=WINDOW, now=None):
    frame = data.frame(spec, timeframe, count, now)
    if len(frame) < MIN_CANDLES:
        raise ValidationFailed(
            "symbol",
            f"{spec.symbol} has {len(frame)} closed {timeframe} candles; the engine "
            f"needs at least {MIN_CANDLES}.",
            reason="NOT_ENOUGH_DATA",
        )
    daily = intervals.is_daily_or_longer(timeframe)
    return Snapshot(
        spec=spec,
        timeframe=timeframe,
        frame=frame,
        values=indicators.compute(frame, daily_or_longer=daily),
        labels=amd.label(frame),
    )


def cache_key(kind, spec, timeframe, now=None, extra=""):
    last = data.last_closed_open(timeframe, now)
    return f"ml:{CACHE_VERSION}:{kind}:{spec.symbol}:{timeframe}:{last}:{extra}"


def _ttl(timeframe):
    size = intervals.INTERVAL_MS[timeframe] or intervals.DAY_MS
    return max(30, min(3600, size // 1000))


def cached(kind, spec, timeframe, compute, now=None, extra=""):
    """``compute()`` once per symbol, timeframe and newest closed candle."""
    key = cache_key(kind, spec, timeframe, now, extra)
    hit = cache.get(key)
    if hit is not None:
        return hit
    value = compute()
    cache.set(key, value, _ttl(timeframe))
    return value


# Indicators ----------------------------------------------------------------------

PRICE_LIKE = {
    "macd",
    "macdSignal",
    "macdHistogram",
    "ema20",
    "ema50",
    "ema200",
    "sma20",
    "sma50",
    "bollingerUpper",
    "bollingerMiddle",
    "bollingerLower",
    "atr",
    "vwap",
}


def _places(spec, name):
    return spec.price_decimals + 2 if name in PRICE_LIKE else 4


def latest_indicators(snap, index=-1):
    """The indicator values of candle ``index`` as exact decimals."""
    v = {name: float(series[index]) for name, series in snap.values.items()}
    spec = snap.spec

    def n(name):
        return number(v[name], _places(spec, name))

    return {
        "rsi": n("rsi"),
        "macd": {
            "macd": n("macd"),
            "signal": n("macdSignal"),
            "histogram": n("macdHistogram"),
        },
        "ema": {"ema20": n("ema20"), "ema50": n("ema50"), "ema200": n("ema200")},
        "sma": {"sma20": n("sma20"), "sma50": n("sma50")},
        "bollinger": {
            "upper": n("bollingerUpper"),
            "middle": n("bollingerMiddle"),
            "lower": n("bollingerLower"),
        },
        "atr": n("atr"),
        "stochastic": {"k": n("stochasticK"), "d": n("stochasticD")},
        "adx": n("adx"),
        "obv": number(v["obv"], spec.qty_decimals),
        "vwap": n("vwap"),
    }


def readings(snap):
    found = indicators.readings(snap.values, float(snap.close[-1]))
    if found["rsi"] is not None:
        found["rsi"] = number(found["rsi"], 2)
    return found


def indicators_report(spec, timeframe, limit, now=None):
    def compute():
        snap = snapshot(spec, timeframe, limit + INDICATOR_WARMUP, now)
        seconds = (snap.open_ms // 1000)[-limit:].tolist()
        series = {}
        for name in indicators.SERIES:
            places = _places(spec, name)
            values = snap.values[name][-limit:].tolist()
            series[name] = [
                {"time": t, "value": number(value, places)}
                for t, value in zip(seconds, values, strict=True)
                if not math.isnan(value)
            ]
        return {
            "symbol": spec.symbol,
            "timeframe": timeframe,
            "close": price(spec, snap.close[-1]),
            "values": latest_indicators(snap),
            "readings": readings(snap),
            "series": series,
            "timestamp": ms_to_iso(snap.close_time_ms()),
        }

    return cached("indicators", spec, timeframe, compute, now, extra=str(limit))


# AMD and levels ------------------------------------------------------------------


def _levels(snap, index=-1):
    t = len(snap.close) + index if index < 0 else index
    cols = snap.frame
    return levels.levels_at(
        cols["high"].to_numpy(dtype="float64"),
        cols["low"].to_numpy(dtype="float64"),
        snap.close,
        snap.values["atr"],
        t,
    )


def amd_state(snap):
    """The AMD phase of the newest closed candle with its levels (no texts)."""
    labels = snap.labels
    phase = int(labels.phase[-1])
    if phase == amd.NONE:
        return None
    close = float(snap.close[-1])
    support, resistance = levels.nearest(_levels(snap), close)
    low, high = float(labels.range_low[-1]), float(labels.range_high[-1])
    if phase == amd.DISTRIBUTION or math.isnan(low):
        low = support.price if support else low
        high = resistance.price if resistance else high
    return {
        "phase": amd.NAMES[phase],
        "bias": int(labels.bias[-1]),
        "confidence": number(float(labels.confidence[-1]), 4),
        "supportLevel": price(snap.spec, low),
        "resistanceLevel": price(snap.spec, high),
        "nextPhaseEstimate": amd.NAMES[int(labels.next_phase[-1])],
    }


def amd_report(spec, timeframe, lang, now=None):
    from mlsignals.texts import describe

    def compute():
        snap = snapshot(spec, timeframe, WINDOW, now)
        state = amd_state(snap)
        if state is None:
            raise ValidationFailed(
                "symbol",
                "Not enough candles to label a phase.",
                reason="NOT_ENOUGH_DATA",
            )
        state["timestamp"] = ms_to_iso(snap.close_time_ms())
        return state

    state = cached("amd", spec, timeframe, compute, now)
    description, recommendation = describe(state["phase"], state["bias"], lang)
    return {
        "symbol": spec.symbol,
        "timeframe": timeframe,
        "phase": state["phase"],
        "direction": {1: "BULLISH", -1: "BEARISH"}.get(state["bias"], "NEUTRAL"),
        "confidence": state["confidence"],
        "description": description,
        "recommendation": recommendation,
        "supportLevel": state["supportLevel"],
        "resistanceLevel": state["resistanceLevel"],
        "nextPhaseEstimate": state["nextPhaseEstimate"],
        "timestamp": state["timestamp"],
    }


def levels_report(spec, timeframe, now=None):
    def compute():
        snap = snapshot(spec, timeframe, WINDOW, now)
        found = _levels(snap)
        return {
            "symbol": spec.symbol,
            "timeframe": timeframe,
            "levels": [
                {
                    "price": price(spec, level.price),
                    "type": level.kind,
                    "touches": level.touches,
                    "strength": level.strength,
                    "firstTime": int(snap.open_ms[level.first_index] // 1000),
                    "lastTime": int(snap.open_ms[level.last_index] // 1000),
                }
                for level in found
            ],
            "timestamp": ms_to_iso(snap.close_time_ms()),
        }

    return cached("levels", spec, timeframe, compute, now)


def amd_zones_report(spec, timeframe, limit, now=None):
    def compute():
        snap = snapshot(spec, timeframe, WINDOW, now)
        seconds = snap.open_ms // 1000
        first = max(0, len(seconds) - limit)
        zones = []
        for phase, bias, start, end in amd.zones(snap.labels, seconds):
            if end < first:
                continue
            start = max(start, first)
            zones.append(
                {
                    "phase": amd.NAMES[phase],
                    "direction": {1: "BULLISH", -1: "BEARISH"}.get(bias, "NEUTRAL"),
                    "startTime": int(seconds[start]),
                    "endTime": int(seconds[end]),
                    "low": price(
                        spec, float(snap.frame["low"].iloc[start : end + 1].min())
                    ),
                    "high": price(
                        spec, float(snap.frame["high"].iloc[start : end + 1].max())
                    ),
                }
            )
        return {"symbol": spec.symbol, "timeframe": timeframe, "zones": zones}

    return cached("amd-zones", spec, timeframe, compute, now, extra=str(limit))


# Predictions ---------------------------------------------------------------------


def prediction_report(spec, timeframe, horizon, now=None):
    def compute():
        snap = snapshot(spec, timeframe, WINDOW, now)
        result = forecast.forecast(snap.close, horizon)
        last_open = int(snap.open_ms[-1])
        times = []
        opened = last_open
        for _ in range(horizon):
            opened = intervals.next_open(timeframe, opened)
            times.append(opened)
        path = result["path"]
        points = [
            {
                "time": ms_to_iso(t),
                "chartTime": t // 1000,
                "price": price(spec, path["price"][k]),
                "lower80": price(spec, path["lower80"][k]),
                "upper80": price(spec, path["upper80"][k]),
                "lower95": price(spec, path["lower95"][k]),
                "upper95": price(spec, path["upper95"][k]),
            }
            for k, t in enumerate(times)
        ]
        ev = result["evaluation"]
        verdict = _verdict(ev)
        return {
            "symbol": spec.symbol,
            "timeframe": timeframe,
            "horizon": horizon,
            "lastPrice": price(spec, snap.close[-1]),
            "model": {
                "name": result["model"]["name"],
                "fittedOnCandles": result["model"]["fittedOn"],
                "params": {
                    key: number(value, 6)
                    for key, value in result["model"]["params"].items()
                },
            },
            "path": points,
            "evaluation": {
                "origins": ev["origins"],
                "maePercent": number(ev["maePercent"], 4),
                "naiveMaePercent": number(ev["naiveMaePercent"], 4),
                "skill": number(ev["skill"], 4),
                "directionalAccuracy": number(ev["directionalAccuracy"], 4),
                "upShare": number(ev["upShare"], 4),
                "beatsNaive": bool(ev["beatsNaive"]),
                "verdict": verdict,
            },
            "timestamp": ms_to_iso(snap.close_time_ms()),
        }

    return cached("predictions", spec, timeframe, compute, now, extra=str(horizon))


def _verdict(ev):
    ratio = ev["maePercent"] / ev["naiveMaePercent"] if ev["naiveMaePercent"] else 1
    if ev["beatsNaive"]:
        return (
            f"The model beats the naive last-price forecast on this data: its "
            f"walk-forward error is {ratio:.3f} times the naive one."
        )
    return (
        f"The model does not beat the naive last-price forecast on this data (its "
        f"walk-forward error is {ratio:.3f} times the naive one): treat the path as "
        f"no better than the last price, and use the bands for the likely range."
    )
