"""Performance figures over snapshot series whose results are worked out by
hand, and the day summaries giving the same figures as the snapshots."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from portfolio import metrics, valuation
from portfolio.models import EquityDay
from portfolio.services.performance import performance
from portfolio.services.snapshots import summarize_days
from tests.portfolio.conftest import snapshot
from trading.market.symbols import get_spec

T0 = datetime(2024, 3, 1, 0, 0, tzinfo=UTC)
NOW = datetime(2024, 3, 1, 4, 0, tzinfo=UTC)


def test_it_answers_the_time_weighted_return_around_a_mid_period_deposit(
    trader, account
):
    # given 1000 -> 1100, a 500 deposit while flat, then a fall to 1200
    snapshot(account, T0, "1000", "1000")
    snapshot(account, T0 + timedelta(hours=1), "1100", "1000")
    snapshot(account, T0 + timedelta(hours=2), "1600", "1500")
    snapshot(account, T0 + timedelta(hours=3), "1200", "1500")

    # when
    body = performance(trader, account, "1d", now=NOW)

    # then 1.1 * 1.0 * 0.75 - 1, never the 20% a naive 1000 -> 1200 shows
    assert body["totalReturn"] == Decimal("-0.175")
    assert body["startEquity"] == Decimal("1000")
    assert body["endEquity"] == Decimal("1200")
    assert body["netFlows"] == Decimal("500")
    assert body["profit"] == Decimal("-300")
    # from the 1.1 peak at 01:00 to 0.825 at 03:00
    assert body["maxDrawdown"] == Decimal("0.25")
    assert body["maxDrawdownPeakAt"] == "2024-03-01T01:00:00Z"
    assert body["maxDrawdownTroughAt"] == "2024-03-01T03:00:00Z"


def test_it_measures_volatility_and_sharpe_over_hourly_bars(trader, account):
    # given snapshots closing each hour: +1%, -2%, +3%, 0%
    levels = [1000, 1010, 989.8, 1019.494, 1019.494]
    for hour, level in enumerate(levels):
        at = T0 + timedelta(hours=hour, minutes=59)
        snapshot(account, at, str(level), "1000")

    body = performance(trader, account, "1d", now=NOW + timedelta(hours=1))

    returns = [0.01, -0.02, 0.03, 0.0]
    volatility, sharpe, sortino = metrics.risk(returns, 8760, 0)
    std = float(np.std(returns, ddof=1))
    assert float(body["volatility"]) == pytest.approx(std * 8760**0.5, abs=1e-6)
    assert float(body["sharpeRatio"]) == pytest.approx(sharpe, abs=1e-6)
    assert float(body["sortinoRatio"]) == pytest.approx(sortino, abs=1e-6)


def test_it_answers_zeros_and_empty_series_for_an_empty_account(trader, account):
    body = performance(trader, account, "30d", now=NOW)

    assert body["totalReturn"] == 0
    assert body["sharpeRatio"] == 0
    assert body["maxDrawdown"] == 0
    assert body["numberOfTrades"] == 0
    assert body["winRate"] == 0
    assert body["profitFactor"] == 0
    assert body["equityCurve"] == []
    assert body["benchmark"] is None


def test_it_compares_with_buying_and_holding_btc_over_the_same_span(
    trader, account, source
):
    # given a flat account over four hours
    for hour in range(5):
        snapshot(account, T0 + timedelta(hours=hour), "1000", "1000")

    body = performance(trader, account, "1d", now=NOW)

    spec = get_spec("BTCUSDT")
    first = valuation.symbol_price_at(spec, int(T0.timestamp() * 1000), source)
    last = valuation.symbol_price_at(spec, int(NOW.timestamp() * 1000), source)
    benchmark = body["benchmark"]
    assert benchmark["startPrice"] == valuation.to_decimal(first)
    assert benchmark["endPrice"] == valuation.to_decimal(last)
    assert float(benchmark["totalReturn"]) == pytest.approx(last / first - 1, abs=1e-8)
    curve = body["equityCurve"]
    assert curve[0]["timestamp"] == "2024-03-01T00:00:00Z"
    assert curve[-1]["timestamp"] == "2024-03-01T04:00:00Z"
    assert curve[-1]["benchmarkReturn"] == benchmark["totalReturn"]
    assert all(point["cumulativeReturn"] == 0 for point in curve)
    # a point every 5 minutes in between
    assert len(curve) == 4 * 12 + 1


def _walk(account, days, seed=3):
    """Hourly snapshots over ``days`` with a random walk and a deposit."""
    rng = np.random.default_rng(seed)
    equity, flows = Decimal("10000"), Decimal("10000")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows = []
    for hour in range(days * 24):
        at = start + timedelta(hours=hour)
        if hour == 24 * 12 + 5:
            equity += 5000
            flows += 5000
        step = Decimal(str(round(float(rng.normal(0, 0.01)), 6)))
        equity = (equity * (1 + step)).quantize(Decimal("1e-8"))
        rows.append((at, equity, flows))
        snapshot(account, at, equity, flows)
    return rows


def test_day_summaries_give_the_figures_of_the_snapshots_themselves(trader, account):
    # given 40 days of hourly snapshots with a deposit on day 12
    rows = _walk(account, 40)
    now = rows[-1][0] + timedelta(minutes=30)
    before = performance(trader, account, "30d", now=now)

    # when the finished days are condensed
    made = summarize_days(account.pk, before=now.date())
    after = performance(trader, account, "30d", now=now)

    # then the long period reads summaries and answers the same figures
    assert made == 39 and EquityDay.objects.filter(account=account).count() == 39
    for name in ("totalReturn", "maxDrawdown", "volatility", "sharpeRatio"):
        assert after[name] == pytest.approx(before[name], abs=Decimal("1e-7")), name
    assert after["maxDrawdownPeakAt"] == before["maxDrawdownPeakAt"]
    assert after["maxDrawdownTroughAt"] == before["maxDrawdownTroughAt"]
    assert after["endEquity"] == before["endEquity"]
    assert after["netFlows"] == before["netFlows"]

    # and both equal the formulas over every snapshot in the window
    start = now - timedelta(days=30)
    anchor = max(i for i, row in enumerate(rows) if row[0] <= start)
    window = rows[anchor:]
    equity = np.array([float(e) for _, e, _ in window])
    flows = np.array([float(f) for _, _, f in window])
    wealth = np.cumprod(metrics.growth_factors(equity, flows))
    depth, peak, trough = metrics.drawdown(np.arange(len(wealth)), wealth)
    assert float(after["totalReturn"]) == pytest.approx(wealth[-1] - 1, abs=1e-7)
    assert float(after["maxDrawdown"]) == pytest.approx(depth, abs=1e-7)
    peak_at = window[peak][0].isoformat().replace("+00:00", "Z")
    assert after["maxDrawdownPeakAt"] == peak_at


def test_it_refuses_an_unknown_period(trader, account):
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        performance(trader, account, "2w", now=NOW)
