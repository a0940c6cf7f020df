"""Figures of a backtest, each from the trades or the per-candle equity curve.

With ``E_0`` the initial capital, ``E_t`` the equity at the close of candle
``t`` (cash plus the position marked at the close), ``r_t = E_t / E_{t-1} - 1``
the per-candle returns (``E_{-1} = E_0``), ``N`` the candles and ``P`` the
candles in a year of 365 days (crypto trades every day: 8,760 for 1h candles):

- totalReturn = E_N / E_0 - 1 (after every fee; open positions closed at the end)
- winRate = winning trades / trades (a trade wins when its profit after both
  fees is positive)
- profitFactor = sum of winning trades' profits / |sum of losing trades'
  losses|, in money; null when no trade lost
- maxDrawdown = max over t of 1 - E_t / max(E_0, ..., E_t), a positive fraction
- sharpeRatio = mean(r) / stdev(r) * sqrt(P) (sample stdev, risk-free rate 0);
  null when the equity never moved
- sortinoRatio = mean(r) / sqrt(mean(min(r, 0)^2)) * sqrt(P); null without a
  losing candle
- cagr = (E_N / E_0) ^ (P / N) - 1; null when it exceeds 1e9 (a few candles
  annualised say nothing)
- exposure = candles whose close was marked with a position open / N
- averageTrade = mean profit per trade (money) and averageTradeReturn = mean of
  each trade's profit / its entry value
- averageHoldingSeconds = mean of (exit candle open - entry candle open)
- buyAndHoldReturn = last close / first open - 1 over the same candles, no fees
"""

import math
from decimal import Decimal

import numpy as np

from mlsignals.engine.frames import epoch_ms

YEAR_MS = 365 * 86_400_000
RATIO = Decimal("1e-6")
# Past this a ratio is an artefact (e.g. six hours of return compounded over a
# year); it is reported as null.
LARGEST = 1e9


def _ratio(value):
    """A float statistic as a Decimal with 6 places; None when undefined."""
    if value is None or not math.isfinite(value) or abs(value) > LARGEST:
        return None
    return Decimal(repr(float(value))).quantize(RATIO)


def compute(result, candles, settings, candle_ms):
    trades = result.trades
    equity = result.equity
    n = len(equity)
    initial = settings.initial_capital
    per_year = YEAR_MS / candle_ms

    previous = np.r_[float(initial), equity[:-1]]
    returns = equity / previous - 1.0 if n else np.zeros(0)
    sharpe = sortino = None
    if n > 1:
        spread = float(np.std(returns, ddof=1))
        if spread > 0:
            sharpe = float(np.mean(returns)) / spread * math.sqrt(per_year)
        downside = math.sqrt(float(np.mean(np.minimum(returns, 0.0) ** 2)))
        if downside > 0:
            sortino = float(np.mean(returns)) / downside * math.sqrt(per_year)

    peaks = np.maximum.accumulate(np.r_[float(initial), equity])
    drawdown = float(np.max(1.0 - np.r_[float(initial), equity] / peaks)) if n else 0

    final = result.final_cash
    growth = float(final / initial)
    cagr = growth ** (per_year / n) - 1.0 if n and growth > 0 else None

    pnls = [trade.pnl for trade in trades]
    wins = [pnl for pnl in pnls if pnl > 0]
    losses = [pnl for pnl in pnls if pnl < 0]
    gross_loss = -sum(losses, Decimal(0))
    profit_factor = (
        (sum(wins, Decimal(0)) / gross_loss).quantize(RATIO) if gross_loss else None
    )
    held = sum(trade.exit_bar - trade.entry_bar for trade in trades)
    times = epoch_ms(candles) if n else np.zeros(0, dtype=np.int64)
    holding_ms = sum(
        int(times[trade.exit_bar] - times[trade.entry_bar]) for trade in trades
    )
    opens = candles["open"].to_numpy(dtype="float64")
    closes = candles["close"].to_numpy(dtype="float64")
    return {
        "totalTrades": len(trades),
        "winningTrades": len(wins),
        "losingTrades": len(losses),
        "winRate": _ratio(len(wins) / len(trades)) if trades else None,
        "profitFactor": profit_factor,
        "totalReturn": ((final - initial) / initial).quantize(RATIO),
        "maxDrawdown": _ratio(drawdown),
        "sharpeRatio": _ratio(sharpe),
        "sortinoRatio": _ratio(sortino),
        "cagr": _ratio(cagr),
        "exposure": _ratio(held / n) if n else None,
        "averageTrade": (sum(pnls, Decimal(0)) / len(pnls)).quantize(Decimal("1e-8"))
        if pnls
        else None,
        "averageTradeReturn": _ratio(
            float(sum(trade.pnl / trade.cost for trade in trades) / len(trades))
        )
        if trades
        else None,
        "averageHoldingSeconds": int(round(holding_ms / 1000 / len(trades)))
        if trades
        else None,
        "buyAndHoldReturn": _ratio(closes[-1] / opens[0] - 1.0) if n else None,
        "initialCapital": initial,
        "finalEquity": final.quantize(Decimal("1e-8")),
        "totalFees": sum(
            (trade.entry_fee + trade.exit_fee for trade in trades), Decimal(0)
        ),
        "candles": n,
        "skippedEntries": result.skipped_entries,
    }
