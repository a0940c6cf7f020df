"""Performance over a period: time-weighted returns, risk ratios, drawdown,
trade statistics, the equity curve and a buy-and-hold benchmark.

The wealth path comes from the equity snapshots. Periods of up to a week read
every snapshot; longer ones read the day summaries of the whole days inside the
window and the snapshots only at its ragged ends, which keeps a year of minute
snapshots to a few hundred rows (see :class:`portfolio.models.EquityDay`).
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from django.conf import settings

from core.errors import APIError
from core.time import isoformat, to_epoch_ms, utc_now
from portfolio import metrics, periods, selectors, valuation
from trading.amounts import ZERO, to_unit
from trading.market import get_source
from trading.market.intervals import DAY_MS, HOUR_MS, INTERVAL_MS

logger = logging.getLogger(__name__)

# Periods up to this many days read every snapshot and measure hourly bars.
DETAILED_DAYS = 7
# The curve's spacing per period (a kline interval, for the benchmark).
CURVE_INTERVAL = {"1d": "5m", "7d": "30m"}
LONG_CURVE_INTERVAL = "1d"
RATIO = Decimal("1e-8")


@dataclass
class Path:
    """Points of the wealth path, oldest first; ``equity`` and ``flows`` are
    e8, or -1 at points that only carry wealth (a day's highs and lows)."""

    times: list = field(default_factory=list)
    wealth: list = field(default_factory=list)
    equity: list = field(default_factory=list)
    flows: list = field(default_factory=list)
    # The chain's state: the last snapshot read, as (time, equity, flows, wealth).
    last: tuple | None = None

    def add_rows(self, rows):
        if not rows:
            return
        times = [row[0] for row in rows]
        equity = np.array([row[1] for row in rows], dtype=np.int64)
        flows = np.array([row[2] for row in rows], dtype=np.int64)
        previous = None if self.last is None else (self.last[1], self.last[2])
        base = 1.0 if self.last is None else self.last[3]
        wealth = base * np.cumprod(metrics.growth_factors(equity, flows, previous))
        self.times.extend(times)
        self.wealth.extend(wealth.tolist())
        self.equity.extend(equity.tolist())
        self.flows.extend(flows.tolist())
        self.last = (rows[-1][0], int(equity[-1]), int(flows[-1]), float(wealth[-1]))

    def add_day(self, day):
        base = 1.0 if self.last is None else self.last[3]
        inner = sorted(
            {
                day.high_time_ms: day.high,
                day.low_time_ms: day.low,
                day.drawdown_peak_time_ms: day.drawdown_peak,
                day.drawdown_trough_time_ms: day.drawdown_trough,
            }.items()
        )
        end_ms = day.last_time_ms
        for ms, relative in inner:
            if ms < end_ms:
                self.times.append(ms)
                self.wealth.append(base * relative)
                self.equity.append(-1)
                self.flows.append(-1)
        equity, flows = day.last_equity_e8, day.last_net_flows_e8
        wealth = base * day.growth
        self.times.append(end_ms)
        self.wealth.append(wealth)
        self.equity.append(equity)
        self.flows.append(flows)
        self.last = (end_ms, equity, flows, wealth)

    def arrays(self):
        return (
            np.array(self.times, dtype=np.int64),
            np.array(self.wealth, dtype=np.float64),
            np.array(self.equity, dtype=np.int64),
            np.array(self.flows, dtype=np.int64),
        )


def load_path(account, start, end, detailed):
    """The wealth path over ``[start, end]`` (``start`` None: from the first
    snapshot), anchored at the last snapshot at or before ``start``."""
    path = Path()
    start_ms = None if start is None else to_epoch_ms(start)
    end_ms = to_epoch_ms(end)
    if start is not None:
        anchor = selectors.snapshot_before(account, start_ms)
        if anchor is not None:
            path.add_rows([anchor])
    cursor = path.last[0] if path.last else None

    def rows_until(upto, inclusive):
        rows = selectors.snapshot_rows(
            account,
            after=cursor,
            since=start_ms if cursor is None else None,
            upto=upto,
        )
        return rows if inclusive else [row for row in rows if row[0] < upto]

    if not detailed:
        first_day = None if start is None else (start + timedelta(days=1)).date()
        if start is not None and start.time() == datetime.min.time():
            first_day = start.date()
        for day in selectors.equity_days(account, first_day, end.date()):
            if day.last_time_ms > end_ms or (
                start_ms is not None and day.first_time_ms < start_ms
            ):
                continue
            if cursor != day.previous_time_ms:
                # Snapshots between the last point and this day (rows of a day
                # without a summary): read them. When the day chains on from
                # the last point there are none, and no query is needed.
                path.add_rows(rows_until(day.first_time_ms, inclusive=False))
                cursor = path.last[0] if path.last else None
            if cursor == day.previous_time_ms:
                path.add_day(day)
            else:
                # The summary no longer chains (snapshots changed): read the day.
                path.add_rows(rows_until(day.last_time_ms, inclusive=True))
            cursor = path.last[0] if path.last else cursor
    path.add_rows(rows_until(end_ms, inclusive=True))
    return path


def performance(user, account, period, now=None, source=None):
    """The performance figures of ``account`` over ``period`` ending ``now``."""
    now = now or utc_now()
    start = periods.window_start(period, now)
    days = periods.days_of(period)
    detailed = days is not None and days <= DETAILED_DAYS
    path = load_path(account, start, now, detailed) if account else Path()
    times, wealth, equity, flows = path.arrays()
    rf = Decimal(settings.PORTFOLIO_RISK_FREE_RATE)

    body = {
        "period": period,
        "startDate": isoformat(start) if start else _iso_ms(times, 0),
        "endDate": isoformat(now),
        "riskFreeRate": rf,
    }
    body.update(_returns(times, wealth, equity, flows, start, now, detailed, rf))
    body.update(trade_statistics(user, start, now))
    curve_interval = CURVE_INTERVAL.get(period, LONG_CURVE_INTERVAL)
    curve = _curve_points(times, wealth, equity, flows, curve_interval)
    body["benchmark"], benchmark_curve = _benchmark(curve, curve_interval, source)
    body["equityCurve"] = [
        {
            "timestamp": isoformat(_at(ms)),
            "equity": valuation.to_decimal(e),
            "netFlows": valuation.to_decimal(f),
            "cumulativeReturn": _ratio(w - 1.0),
            "benchmarkReturn": (
                None if benchmark_curve is None else _ratio(benchmark_curve[i])
            ),
        }
        for i, (ms, w, e, f) in enumerate(curve)
    ]
    return body


def _returns(times, wealth, equity, flows, start, end, detailed, rf):
    zero = Decimal(0)
    body = {
        "startEquity": zero,
        "endEquity": zero,
        "netFlows": zero,
        "profit": zero,
        "totalReturn": zero,
        "annualizedReturn": zero,
        "volatility": zero,
        "sharpeRatio": zero,
        "sortinoRatio": zero,
        "maxDrawdown": zero,
        "maxDrawdownPeakAt": None,
        "maxDrawdownTroughAt": None,
    }
    if not len(times):
        return body
    real = np.flatnonzero(equity >= 0)
    first, last = real[0], real[-1]
    total = float(wealth[last] / wealth[first] - 1.0) if wealth[first] > 0 else 0.0
    seconds = (int(times[last]) - int(times[first])) / 1000
    depth, peak, trough = metrics.drawdown(times, wealth)
    bar = HOUR_MS if detailed else DAY_MS
    bars_per_year = metrics.YEAR_SECONDS * 1000 / bar
    low = int(times[0]) if start is None else to_epoch_ms(start)
    boundaries = np.arange(-(-low // bar) * bar, to_epoch_ms(end) + 1, bar)
    _, levels = metrics.at_boundaries(times, wealth, boundaries)
    volatility, sharpe, sortino = metrics.risk(
        metrics.bar_returns(levels), bars_per_year, rf
    )
    start_equity = valuation.to_decimal(equity[first])
    end_equity = valuation.to_decimal(equity[last])
    net_flows = valuation.to_decimal(int(flows[last]) - int(flows[first]))
    annual = metrics.annualized_return(total, seconds)
    body.update(
        {
            "startEquity": start_equity,
            "endEquity": end_equity,
            "netFlows": net_flows,
            "profit": end_equity - start_equity - net_flows,
            "totalReturn": _ratio(total),
            "annualizedReturn": _ratio(annual) if annual is not None else None,
            "volatility": _ratio(volatility),
            "sharpeRatio": _ratio(sharpe),
            "sortinoRatio": _ratio(sortino),
            "maxDrawdown": _ratio(depth),
            "maxDrawdownPeakAt": None if peak is None else _iso_ms(times, peak),
            "maxDrawdownTroughAt": None if trough is None else _iso_ms(times, trough),
        }
    )
    return body


def trade_statistics(user, start, end):
    """Each position closed in ``[start, end]`` is a trade; its result is its
    realized PnL, every fee of its buys and sells included."""
    closed = selectors.closed_positions(user, start, end) if user else []
    results = [pnl for _, pnl, _ in closed]
    wins = [pnl for pnl in results if pnl > 0]
    losses = [pnl for pnl in results if pnl < 0]
    gross_win, gross_loss = sum(wins, ZERO), sum(losses, ZERO)
    count = len(results)

    if gross_loss < 0:
        factor = (gross_win / -gross_loss).quantize(RATIO)
    else:
        # No losing trade: the factor is unbounded with wins, 0 without any.
        factor = None if gross_win > 0 else Decimal(0)

    def trade(index):
        symbol, pnl, closed_at = closed[index]
        return {"symbol": symbol, "pnl": pnl, "closedAt": isoformat(closed_at)}

    best = max(range(count), key=lambda i: results[i]) if count else None
    worst = min(range(count), key=lambda i: results[i]) if count else None
    return {
        "numberOfTrades": count,
        "winningTrades": len(wins),
        "losingTrades": len(losses),
        "winRate": (Decimal(len(wins)) / count).quantize(RATIO) if count else ZERO,
        "profitFactor": factor,
        "grossProfit": gross_win,
        "grossLoss": gross_loss,
        "averageWin": to_unit(gross_win / len(wins)) if wins else ZERO,
        "averageLoss": to_unit(gross_loss / len(losses)) if losses else ZERO,
        "bestTrade": None if best is None else trade(best),
        "worstTrade": None if worst is None else trade(worst),
    }


def _curve_points(times, wealth, equity, flows, interval):
    """``[(ms, wealth, equity, flows)]`` at the first snapshot, at each grid
    instant of ``interval`` after it, and at the last snapshot."""
    real = np.flatnonzero(equity >= 0)
    if not len(real):
        return []
    first, last = int(times[real[0]]), int(times[real[-1]])
    step = INTERVAL_MS[interval]
    grid = np.arange(first // step * step + step, last, step, dtype=np.int64)
    index = np.searchsorted(times, grid, side="left") - 1
    picks = [int(real[0])]
    moments = [first]
    for ms, i in zip(grid.tolist(), index.tolist(), strict=True):
        # The last point by then is a snapshot or a day's end, never a day's
        # high or low alone (a day's end comes after them).
        if equity[i] >= 0:
            picks.append(i)
            moments.append(ms)
    picks.append(int(real[-1]))
    moments.append(last)
    return [
        (
            moments[n],
            float(wealth[i] / wealth[picks[0]]) if wealth[picks[0]] else 1.0,
            int(equity[i]),
            int(flows[i]),
        )
        for n, i in enumerate(picks)
    ]


def _benchmark(curve, interval, source):
    """Buying and holding the benchmark symbol over the curve's span: its
    figures and its return at each curve point."""
    if not curve:
        return None, None
    asset_spec = valuation.get_spec_or_none(settings.PORTFOLIO_BENCHMARK_SYMBOL)
    if asset_spec is None:
        return None, None
    source = source or get_source()
    times = [ms for ms, *_ in curve]
    try:
        inner = valuation.symbol_prices(asset_spec, times[1:-1], source, interval)
        first = valuation.symbol_price_at(asset_spec, times[0], source)
        last = valuation.symbol_price_at(asset_spec, times[-1], source)
    except APIError as error:
        logger.warning("No benchmark prices: %s", error)
        return None, None
    if first is None or last is None or first <= 0:
        return None, None
    prices = np.array([first, *inner.tolist(), last], dtype=np.float64)
    prices = np.where(prices > 0, prices, np.nan)
    # A missing candle keeps the previous price.
    for i in range(1, len(prices)):
        if np.isnan(prices[i]):
            prices[i] = prices[i - 1]
    returns = prices / prices[0] - 1.0
    total = float(returns[-1])
    depth, _, _ = metrics.drawdown(np.array(times), prices)
    annual = metrics.annualized_return(total, (times[-1] - times[0]) / 1000)
    body = {
        "symbol": asset_spec.symbol,
        "startPrice": valuation.to_decimal(first),
        "endPrice": valuation.to_decimal(last),
        "totalReturn": _ratio(total),
        "annualizedReturn": None if annual is None else _ratio(annual),
        "maxDrawdown": _ratio(depth),
    }
    return body, returns.tolist()


def _ratio(value):
    if value is None or not np.isfinite(value):
        return None
    return Decimal(repr(float(value))).quantize(RATIO)


def _at(ms):
    return datetime.fromtimestamp(ms / 1000, UTC)


def _iso_ms(times, index):
    if not len(times):
        return None
    return isoformat(_at(int(times[index])))
