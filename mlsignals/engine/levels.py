"""Support and resistance from swing pivots clustered by ATR.

A swing high at candle ``i`` is a high that no candle within ``PIVOT_WINDOW``
candles on either side exceeds (a swing low likewise). It is only *known* once
those ``PIVOT_WINDOW`` candles after it have closed, so the levels as of candle
``t`` use only pivots confirmed by ``t``: nothing later can change them.

Pivot prices within ``CLUSTER_ATR`` times the ATR of candle ``t`` of their
neighbour are one level. A level's price is the mean of its pivots, its
``touches`` the number of pivots in it, and its ``strength`` (0-100) the share
of the most-touched level's touches, weighted by how recent its last touch is.
"""

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

PIVOT_WINDOW = 3
CLUSTER_ATR = 0.5
LOOKBACK = 300


@dataclass(frozen=True)
class Level:
    price: float
    kind: str  # "support" or "resistance" relative to the close of candle t
    touches: int
    strength: int
    first_index: int
    last_index: int


def pivots(high, low, window=PIVOT_WINDOW):
    """Boolean arrays marking swing highs and swing lows (by candle index)."""
    size = 2 * window + 1
    is_high = np.zeros(len(high), dtype=bool)
    is_low = np.zeros(len(low), dtype=bool)
    if len(high) < size:
        return is_high, is_low
    max_win = sliding_window_view(high, size).max(axis=1)
    min_win = sliding_window_view(low, size).min(axis=1)
    centre = slice(window, len(high) - window)
    is_high[centre] = high[centre] >= max_win
    is_low[centre] = low[centre] <= min_win
    return is_high, is_low


def levels_at(high, low, close, atr, t, lookback=LOOKBACK, window=PIVOT_WINDOW):
    """The levels known at the close of candle ``t`` (index), strongest first."""
    if t < 0 or np.isnan(atr[t]) or atr[t] <= 0:
        return []
    start = max(0, t - lookback + 1)
    # Pivots at i need candles up to i + window: only those confirmed by t count.
    last_confirmed = t - window
    if last_confirmed < start:
        return []
    is_high, is_low = pivots(high[start : t + 1], low[start : t + 1], window)
    idx_high = np.flatnonzero(is_high[: last_confirmed - start + 1]) + start
    idx_low = np.flatnonzero(is_low[: last_confirmed - start + 1]) + start
    prices = np.r_[high[idx_high], low[idx_low]]
    indices = np.r_[idx_high, idx_low]
    if not len(prices):
        return []

    order = np.argsort(prices, kind="stable")
    prices, indices = prices[order], indices[order]
    tolerance = CLUSTER_ATR * atr[t]
    breaks = np.flatnonzero(np.diff(prices) > tolerance) + 1
    groups = np.split(np.arange(len(prices)), breaks)

    touches = np.array([len(g) for g in groups])
    most = touches.max()
    span = max(1, t - start)
    result = []
    for group, count in zip(groups, touches, strict=True):
        price = float(prices[group].mean())
        last = int(indices[group].max())
        recency = 1.0 - 0.5 * (t - last) / span
        result.append(
            Level(
                price=price,
                kind="support" if price < close[t] else "resistance",
                touches=int(count),
                strength=int(round(100 * count / most * recency)),
                first_index=int(indices[group].min()),
                last_index=last,
            )
        )
    result.sort(key=lambda level: (-level.strength, level.price))
    return result


def nearest(levels, close):
    """The nearest support below and resistance above ``close`` (or None)."""
    below = [lv for lv in levels if lv.price < close]
    above = [lv for lv in levels if lv.price >= close]
    support = max(below, key=lambda lv: lv.price) if below else None
    resistance = min(above, key=lambda lv: lv.price) if above else None
    return support, resistance
