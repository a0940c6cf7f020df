"""Candle series built to contain known patterns, for the engine's tests."""

import numpy as np

from mlsignals.engine.frames import make_frame

HOUR_MS = 3_600_000
START_MS = 1_700_000_000_000 // HOUR_MS * HOUR_MS


def from_closes(closes, spread=0.002, volume=100.0, seed=0):
    """Candles around a close path: open at the previous close, small wicks."""
    rng = np.random.default_rng(seed)
    closes = np.asarray(closes, dtype=float)
    opens = np.r_[closes[0], closes[:-1]]
    top = np.maximum(opens, closes)
    bottom = np.minimum(opens, closes)
    high = top * (1 + spread * rng.random(len(closes)))
    low = bottom * (1 - spread * rng.random(len(closes)))
    vol = volume * (0.5 + rng.random(len(closes)))
    times = START_MS + HOUR_MS * np.arange(len(closes))
    return make_frame(times, opens, high, low, closes, vol)


def random_walk(n, sigma=0.01, drift=0.0, start=100.0, seed=0):
    rng = np.random.default_rng(seed)
    returns = drift + sigma * rng.standard_normal(n)
    return from_closes(start * np.exp(np.cumsum(returns)), seed=seed + 1)


def power_of_three(trend=120, range_len=80, seed=7):
    """A trend, then a tight range, a sweep below it, and an expansion up.

    Answers the frame and the indices where the range, the sweep and the
    expansion start.
    """
    rng = np.random.default_rng(seed)
    # A falling trend into the range so the warm-up does not start compressed.
    lead = 120.0 * np.exp(np.cumsum(-0.004 + 0.004 * rng.standard_normal(trend)))
    base = lead[-1]
    # The range: price oscillates within +-1% of its centre.
    phase = np.linspace(0, 8 * np.pi, range_len)
    ranging = base * (
        1 + 0.008 * np.sin(phase) + 0.001 * rng.standard_normal(range_len)
    )
    low_edge = ranging.min()
    # The sweep: one candle dips 1.5% under the range low and closes back inside.
    sweep_close = base * 0.997
    # The expansion: a steady climb well above the range high.
    expansion = base * np.exp(np.cumsum(np.full(40, 0.006)))
    closes = np.r_[lead, ranging, sweep_close, expansion]
    frame = from_closes(closes, spread=0.0005, seed=seed)
    sweep = trend + range_len
    frame.loc[sweep, "low"] = low_edge * 0.985
    frame.loc[sweep, "volume"] *= 4
    return frame, {"range": trend, "sweep": sweep, "expansion": sweep + 1}
