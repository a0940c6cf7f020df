"""The ML engine: indicators on 1,000,000 candles beside TA-Lib called directly,
a signal from a cold and a warm cache, and AMD phases over 5,000 candles."""

import os
import statistics
import time

import numpy as np

REPEATS = 5


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()


def _best(fn, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times)


def _candles(n, seed=1):
    from mlsignals.engine.frames import make_frame

    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(0.01 * rng.standard_normal(n)))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) * (1 + 0.002 * rng.random(n))
    low = np.minimum(open_, close) * (1 - 0.002 * rng.random(n))
    volume = 100 * (0.5 + rng.random(n))
    times = 1_700_000_000_000 + 60_000 * np.arange(n)
    return make_frame(times, open_, high, low, close, volume)


def _talib_direct(frame):
    import talib

    h, lo, c, v = (
        np.ascontiguousarray(frame[n].to_numpy())
        for n in ("high", "low", "close", "volume")
    )
    talib.RSI(c, 14)
    talib.MACD(c, 12, 26, 9)
    for period in (20, 50, 200):
        talib.EMA(c, period)
    talib.SMA(c, 20)
    talib.SMA(c, 50)
    talib.BBANDS(c, 20, 2.0, 2.0, 0)
    talib.ATR(h, lo, c, 14)
    talib.STOCH(h, lo, c, 14, 3, 0, 3, 0)
    talib.ADX(h, lo, c, 14)
    talib.OBV(c, v)


def _indicator_rows():
    from mlsignals.engine import indicators

    frame = _candles(1_000_000)
    direct, _ = _best(lambda: _talib_direct(frame))
    engine, _ = _best(lambda: indicators.compute(frame))
    return [
        {
            "name": "indicators 1M candles (TA-Lib direct)",
            "value": direct,
            "unit": "ms",
        },
        {"name": "indicators 1M candles (engine)", "value": engine, "unit": "ms"},
        {
            "name": "indicators engine / TA-Lib direct",
            "value": engine / direct,
            "unit": "ratio",
            "target": "<= 3",
            "note": "the engine adds VWAP and column copies",
        },
    ]


def _amd_rows():
    from mlsignals.engine import amd

    frame = _candles(5000, seed=2)
    best, median = _best(lambda: amd.label(frame), repeats=20)
    return [
        {
            "name": "AMD over 5,000 candles",
            "value": best,
            "unit": "ms",
            "target": "<= 200",
            "note": f"median {median:.1f} ms",
        }
    ]


def _signal_rows():
    """Cold: no cached answer (the model is trained, the candles are read and
    every computation runs); warm: the cached answer for the same candle."""
    import uuid

    from django.core.management import call_command
    from django.test.utils import setup_databases, teardown_databases

    from mlsignals.models import Signal
    from mlsignals.services import analysis, signals, training
    from trading.market.symbols import get_spec

    old = setup_databases(verbosity=0, interactive=False)
    try:
        call_command("migrate", verbosity=0)
        spec = get_spec("BTCUSDT")
        training.train_model(spec, "1h", candles=3000)
        signals.get_signal(spec, "1h")  # reads the market path once

        colds = []
        for _ in range(REPEATS):
            # A new key namespace: nothing cached, the signal row stored anew.
            analysis.CACHE_VERSION = uuid.uuid4().hex
            Signal.objects.all().delete()
            started = time.perf_counter()
            signals.get_signal(spec, "1h")
            colds.append((time.perf_counter() - started) * 1000)
        warm_best, warm_median = _best(lambda: signals.get_signal(spec, "1h"), 50)
    finally:
        teardown_databases(old, verbosity=0)
    return [
        {
            "name": "signal, cold cache",
            "value": statistics.median(colds),
            "unit": "ms",
            "target": "<= 150",
            "note": f"median of {REPEATS}; best {min(colds):.1f} ms; 1,000 1h candles",
        },
        {
            "name": "signal, warm cache",
            "value": warm_median,
            "unit": "ms",
            "target": "<= 10",
            "note": f"median of 50; best {warm_best:.2f} ms",
        },
    ]


def run():
    _setup()
    return _indicator_rows() + _amd_rows() + _signal_rows()
