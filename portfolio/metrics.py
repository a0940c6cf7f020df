"""The formulas of the performance figures, on numpy arrays (see the README's
portfolio section for each in words).

Ratios (returns, volatility, Sharpe...) are floats: they are not money. Money
stays in Decimals and e8 integers in the services that call these.

Time-weighted wealth: with snapshots of equity ``E`` and running external flows
``F``, the return between two snapshots is ``E[i] / (E[i-1] + F[i] - F[i-1]) - 1``
(a flow counts as if it arrived at the start of the step, so a deposit is never
a gain), and the wealth index is their running product, 1 at the start.
"""

import math

import numpy as np

YEAR_SECONDS = 365 * 86400


def growth_factors(equity, flows, previous=None):
    """The factor ``1 + r`` of each snapshot over the one before it.

    ``previous`` is ``(equity, flows)`` of the snapshot before the first one, or
    None when there is none (the first factor is then 1). A step whose base
    (previous equity plus the new flows) is not positive has no return: 1.
    """
    equity = np.asarray(equity, dtype=np.float64)
    flows = np.asarray(flows, dtype=np.float64)
    if not len(equity):
        return np.ones(0)
    if previous is None:
        before_e = np.r_[equity[0], equity[:-1]]
        before_f = np.r_[flows[0], flows[:-1]]
    else:
        before_e = np.r_[float(previous[0]), equity[:-1]]
        before_f = np.r_[float(previous[1]), flows[:-1]]
    base = before_e + (flows - before_f)
    factors = np.ones(len(equity))
    np.divide(equity, base, out=factors, where=base > 0)
    if previous is None:
        factors[0] = 1.0
    return factors


def drawdown(times, wealth):
    """Deepest fall of ``wealth`` from a running peak: ``(depth, peak index,
    trough index)``, depth as a positive fraction; ``(0.0, None, None)`` if it
    never fell."""
    wealth = np.asarray(wealth, dtype=np.float64)
    if len(wealth) < 2:
        return 0.0, None, None
    peaks = np.maximum.accumulate(wealth)
    falls = np.zeros(len(wealth))
    np.divide(wealth, peaks, out=falls, where=peaks > 0)
    falls = np.where(peaks > 0, 1.0 - falls, 0.0)
    trough = int(np.argmax(falls))
    depth = float(falls[trough])
    if depth <= 0:
        return 0.0, None, None
    peak = int(np.argmax(wealth[: trough + 1]))
    return depth, peak, trough


def at_boundaries(times, wealth, boundaries):
    """Wealth at each boundary: at the last point before it (a day closes with
    its last snapshot; one at midnight opens the next day). Boundaries with no
    point before them are dropped; answers ``(boundaries, wealth)``."""
    boundaries = np.asarray(boundaries, dtype=np.int64)
    index = np.searchsorted(times, boundaries, side="left") - 1
    keep = index >= 0
    return boundaries[keep], np.asarray(wealth)[index[keep]]


def bar_returns(levels):
    """Simple returns between consecutive levels (a zero level gives none)."""
    levels = np.asarray(levels, dtype=np.float64)
    if len(levels) < 2:
        return np.zeros(0)
    before, after = levels[:-1], levels[1:]
    keep = before > 0
    return after[keep] / before[keep] - 1.0


def annualized_return(total, seconds):
    """``(1 + total) ** (year / seconds) - 1``; None when it cannot be said (no
    time elapsed, or too large to write down)."""
    if seconds <= 0 or total <= -1:
        return None if seconds <= 0 else -1.0
    try:
        value = math.exp(math.log1p(total) * YEAR_SECONDS / seconds) - 1.0
    except OverflowError:
        return None
    return value if math.isfinite(value) else None


def risk(returns, bars_per_year, risk_free_rate):
    """Annualized volatility, Sharpe and Sortino of per-bar ``returns``.

    Volatility: sample standard deviation times ``sqrt(bars_per_year)``.
    Sharpe: mean excess return over the per-bar risk-free rate
    ``(1 + rf) ** (1 / bars_per_year) - 1`` divided by the standard deviation,
    times ``sqrt(bars_per_year)``. Sortino: the same excess over the downside
    deviation ``sqrt(mean(min(0, r - rf_bar) ** 2))`` over every bar. Each is 0
    when it is undefined (fewer than two bars, or no dispersion).
    """
    returns = np.asarray(returns, dtype=np.float64)
    if len(returns) < 2:
        return 0.0, 0.0, 0.0
    scale = math.sqrt(bars_per_year)
    rf_bar = (1.0 + float(risk_free_rate)) ** (1.0 / bars_per_year) - 1.0
    excess = returns - rf_bar
    std = float(np.std(returns, ddof=1))
    downside = math.sqrt(float(np.mean(np.minimum(excess, 0.0) ** 2)))
    mean_excess = float(np.mean(excess))
    volatility = std * scale
    sharpe = mean_excess / std * scale if std > 1e-15 else 0.0
    sortino = mean_excess / downside * scale if downside > 1e-15 else 0.0
    return volatility, sharpe, sortino


def day_summary(times, equity, flows, previous=None):
    """One day's snapshots condensed (see :class:`portfolio.models.EquityDay`):
    wealth relative to the snapshot before the day (``previous``, as
    ``(equity, flows)``, or None)."""
    wealth = np.cumprod(growth_factors(equity, flows, previous))
    high, low = int(np.argmax(wealth)), int(np.argmin(wealth))
    depth, peak, trough = drawdown(times, wealth)
    if peak is None:
        peak = trough = high
    return {
        "growth": float(wealth[-1]),
        "high": float(wealth[high]),
        "high_ms": int(times[high]),
        "low": float(wealth[low]),
        "low_ms": int(times[low]),
        "drawdown_peak": float(wealth[peak]),
        "drawdown_peak_ms": int(times[peak]),
        "drawdown_trough": float(wealth[trough]),
        "drawdown_trough_ms": int(times[trough]),
    }
