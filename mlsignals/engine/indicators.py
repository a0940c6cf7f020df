"""Technical indicators, computed by TA-Lib (VWAP, which TA-Lib lacks, here).

Every indicator at candle ``t`` depends only on candles up to ``t``: TA-Lib's
functions are causal, and the VWAP below accumulates forward only.

Parameters are the ones traders expect by default: RSI 14, MACD 12/26/9,
EMA 20/50/200, SMA 20/50, Bollinger 20 with 2 standard deviations, ATR 14,
Stochastic 14/3/3, ADX 14, OBV, and a VWAP anchored at each UTC day for
intraday candles (a rolling 20-candle VWAP on daily or longer candles, where a
day holds a single candle).
"""

import numpy as np
import talib

from mlsignals.engine.frames import columns, epoch_ms

DAY_MS = 86_400_000
VWAP_ROLLING = 20

SERIES = (
    "rsi",
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
    "stochasticK",
    "stochasticD",
    "adx",
    "obv",
    "vwap",
)


def vwap(high, low, close, volume, open_time_ms=None, daily_or_longer=False):
    """Volume-weighted average of the typical price (high + low + close) / 3.

    Anchored at each UTC day when ``open_time_ms`` (epoch ms) is given for
    intraday candles; otherwise (or for daily candles) over a rolling window of
    ``VWAP_ROLLING`` candles.
    Where no volume traded yet, the VWAP is the typical price itself.
    """
    typical = (high + low + close) / 3.0
    weighted = typical * volume
    if open_time_ms is not None and not daily_or_longer:
        cum_pv = np.cumsum(weighted)
        cum_v = np.cumsum(volume)
        day = open_time_ms // DAY_MS
        starts = np.flatnonzero(np.r_[True, day[1:] != day[:-1]])
        # Subtract the running totals reached before each day's first candle.
        group = np.cumsum(np.r_[True, day[1:] != day[:-1]]) - 1
        base_pv = np.r_[0.0, cum_pv][starts][group]
        base_v = np.r_[0.0, cum_v][starts][group]
        pv = cum_pv - base_pv
        v = cum_v - base_v
    else:
        pv = talib.SUM(weighted, VWAP_ROLLING)
        v = talib.SUM(volume, VWAP_ROLLING)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(v > 0, pv / np.where(v > 0, v, 1.0), typical)
    if open_time_ms is None or daily_or_longer:
        out[: VWAP_ROLLING - 1] = np.nan
    return out


def compute(frame, daily_or_longer=False):
    """Every indicator as a float64 array aligned with ``frame``'s rows."""
    cols = columns(frame)
    high, low, close, volume = cols["high"], cols["low"], cols["close"], cols["volume"]
    macd, macd_signal, macd_hist = talib.MACD(close, 12, 26, 9)
    upper, middle, lower = talib.BBANDS(close, 20, 2.0, 2.0, 0)
    slow_k, slow_d = talib.STOCH(high, low, close, 14, 3, 0, 3, 0)
    open_ms = epoch_ms(frame)
    return {
        "rsi": talib.RSI(close, 14),
        "macd": macd,
        "macdSignal": macd_signal,
        "macdHistogram": macd_hist,
        "ema20": talib.EMA(close, 20),
        "ema50": talib.EMA(close, 50),
        "ema200": talib.EMA(close, 200),
        "sma20": talib.SMA(close, 20),
        "sma50": talib.SMA(close, 50),
        "bollingerUpper": upper,
        "bollingerMiddle": middle,
        "bollingerLower": lower,
        "atr": talib.ATR(high, low, close, 14),
        "stochasticK": slow_k,
        "stochasticD": slow_d,
        "adx": talib.ADX(high, low, close, 14),
        "obv": talib.OBV(close, volume),
        "vwap": vwap(high, low, close, volume, open_ms, daily_or_longer),
    }


def readings(values, close):
    """The seed's plain readings of the latest candle: rsi, macd and ema."""
    rsi = values["rsi"][-1]
    macd, signal = values["macd"][-1], values["macdSignal"][-1]
    ema20 = values["ema20"][-1]
    return {
        "rsi": None if np.isnan(rsi) else float(rsi),
        "macd": None
        if np.isnan(macd) or np.isnan(signal)
        else ("bullish" if macd > signal else "bearish"),
        "ema": None if np.isnan(ema20) else ("above" if close > ema20 else "below"),
    }
