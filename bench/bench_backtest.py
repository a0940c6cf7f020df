"""The backtest engine: MEAN_REVERSION over a year of 1-minute candles (525,600)
beside backtesting.py (and vectorbt, when installed) on the same candles in the
same run, with whether the trades match the reference's."""

import os
import time
import warnings
from decimal import Decimal

import numpy as np

BARS = 525_600
PERIOD, OVERSOLD, OVERBOUGHT = 14, 30.0, 70.0
CAPITAL = 1_000_000_000


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()


def _candles(n=BARS, seed=7):
    from mlsignals.engine.frames import make_frame

    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(0.001 * rng.standard_normal(n)))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) * (1 + 0.0005 * rng.random(n))
    low = np.minimum(open_, close) * (1 - 0.0005 * rng.random(n))
    times = 1_704_067_200_000 + 60_000 * np.arange(n)
    frame = make_frame(times, open_, high, low, close, np.ones(n))
    for column in ("open", "high", "low", "close"):
        frame[column] = frame[column].round(8)
    return frame


def _ours(frame):
    from mlsignals.backtest import engine, metrics, strategies

    options = engine.Settings(
        initial_capital=Decimal(CAPITAL),
        commission=Decimal("0.001"),
        position_size=Decimal("0.95"),
        quantity_step=Decimal(1),
    )
    strategy = strategies.build(
        "MEAN_REVERSION",
        {"rsiPeriod": PERIOD, "oversold": OVERSOLD, "overbought": OVERBOUGHT},
    )
    result = engine.run(frame, strategy.targets(frame), options)
    metrics.compute(result, frame, options, 60_000)
    return [
        (t.entry_bar, t.exit_bar, float(t.quantity))
        for t in result.trades
        if t.exit_reason != engine.END
    ]


def _backtesting_py(frame):
    import backtesting
    import pandas as pd
    import talib

    data = pd.DataFrame(
        {
            "Open": frame["open"].to_numpy(),
            "High": frame["high"].to_numpy(),
            "Low": frame["low"].to_numpy(),
            "Close": frame["close"].to_numpy(),
            "Volume": frame["volume"].to_numpy(),
        },
        index=pd.DatetimeIndex(frame["open_time"].dt.tz_localize(None)),
    )

    class Reference(backtesting.Strategy):
        def init(self):
            self.rsi = self.I(talib.RSI, self.data.Close, PERIOD)

        def next(self):
            before, now = self.rsi[-2], self.rsi[-1]
            if before >= OVERSOLD and now < OVERSOLD and not self.position:
                self.buy(size=0.95)
            elif before <= OVERBOUGHT and now > OVERBOUGHT and self.position:
                self.position.close()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats = backtesting.Backtest(
            data, Reference, cash=CAPITAL, commission=0.001
        ).run()
    trades = stats._trades
    return list(
        zip(
            trades.EntryBar.tolist(),
            trades.ExitBar.tolist(),
            trades.Size.astype(float).tolist(),
            strict=True,
        )
    )


def _vectorbt(frame):
    import talib
    import vectorbt as vbt

    close = frame["close"].to_numpy()
    rsi = talib.RSI(close, PERIOD)
    before = np.r_[np.nan, rsi[:-1]]
    with np.errstate(invalid="ignore"):
        entries = (before >= OVERSOLD) & (rsi < OVERSOLD)
        exits = (before <= OVERBOUGHT) & (rsi > OVERBOUGHT)
    # Decided at the close, filled at the next open, as the engine does.
    entries = np.r_[False, entries[:-1]]
    exits = np.r_[False, exits[:-1]]
    portfolio = vbt.Portfolio.from_signals(
        close,
        entries,
        exits,
        price=frame["open"].to_numpy(),
        fees=0.001,
        size=0.95,
        size_type="percent",
        init_cash=CAPITAL,
    )
    return int(portfolio.trades.count())


def _timed(fn, *args):
    started = time.perf_counter()
    value = fn(*args)
    return (time.perf_counter() - started) * 1000, value


def run():
    _setup()
    frame = _candles()
    cold, ours = _timed(_ours, frame)
    warm = min(_timed(_ours, frame)[0] for _ in range(3))
    reference_ms, theirs = _timed(_backtesting_py, frame)
    same = ours == theirs
    rows = [
        {
            "name": "MEAN_REVERSION 525,600 1m candles, first call",
            "value": cold,
            "unit": "ms",
            "note": f"{len(ours)} closed trades",
        },
        {"name": "MEAN_REVERSION 525,600 1m candles", "value": warm, "unit": "ms"},
        {"name": "backtesting.py, same candles", "value": reference_ms, "unit": "ms"},
        {
            "name": "backtesting.py / engine",
            "value": reference_ms / warm,
            "unit": "ratio",
            "target": ">= 10",
        },
        {
            "name": "trades equal to backtesting.py's",
            "value": int(same),
            "unit": "bool",
            "target": ">= 1",
            "note": f"{len(theirs)} reference trades",
        },
    ]
    try:
        import vectorbt  # noqa: F401
    except ImportError:
        rows.append(
            {
                "name": "vectorbt",
                "value": float("nan"),
                "unit": "ms",
                "note": "not installed",
            }
        )
        return rows
    first_vbt, count = _timed(_vectorbt, frame)
    warm_vbt = min(_timed(_vectorbt, frame)[0] for _ in range(3))
    rows += [
        {"name": "vectorbt, first call (JIT)", "value": first_vbt, "unit": "ms"},
        {
            "name": "vectorbt, warm",
            "value": warm_vbt,
            "unit": "ms",
            "note": f"{count} trades",
        },
        {
            "name": "engine / warm vectorbt",
            "value": warm / warm_vbt,
            "unit": "ratio",
            "target": "<= 2",
        },
    ]
    return rows
