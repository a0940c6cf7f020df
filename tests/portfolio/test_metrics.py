"""The formulas on small series whose figures are worked out by hand."""

import math

import numpy as np
import pytest

from portfolio import metrics


def test_it_leaves_a_deposit_out_of_the_returns():
    # given 1000 -> 1100 (+10%), a 500 deposit while flat, then 1600 -> 1200
    equity = [1000, 1100, 1600, 1200]
    flows = [1000, 1000, 1500, 1500]

    # when
    factors = metrics.growth_factors(equity, flows)

    # then 1100/1000, 1600/(1100+500), 1200/1600
    assert factors.tolist() == pytest.approx([1.0, 1.1, 1.0, 0.75])
    assert np.prod(factors) - 1 == pytest.approx(-0.175)


def test_it_chains_from_the_snapshot_before_the_first_one():
    factors = metrics.growth_factors([110, 121], [100, 100], previous=(100, 100))

    assert factors.tolist() == pytest.approx([1.1, 1.1])


def test_it_gives_no_return_to_a_step_from_an_empty_account():
    # given nothing, then the opening deposit of 1000 worth 1000
    factors = metrics.growth_factors([0, 1000, 1050], [0, 1000, 1000])

    assert factors.tolist() == pytest.approx([1.0, 1.0, 1.05])


def test_it_finds_the_deepest_drawdown_and_its_peak_and_trough():
    # given peaks 120 then 130, falls to 90 (-30.77%) after the second peak
    wealth = [100, 120, 100, 130, 110, 90, 125]

    depth, peak, trough = metrics.drawdown(np.arange(7), wealth)

    assert depth == pytest.approx(1 - 90 / 130)
    assert (peak, trough) == (3, 5)


def test_it_reports_no_drawdown_for_a_path_that_never_falls():
    assert metrics.drawdown(np.arange(3), [1, 1, 2]) == (0.0, None, None)


def test_it_computes_volatility_sharpe_and_sortino_of_known_returns():
    # given four daily returns
    returns = [0.01, -0.02, 0.03, 0.0]
    # mean 0.005; sample std sqrt(((.005)^2+(.025)^2+(.025)^2+(.005)^2)/3)
    std = math.sqrt((0.005**2 + 0.025**2 + 0.025**2 + 0.005**2) / 3)
    # downside deviation over all four: sqrt(0.02^2 / 4) = 0.01
    downside = 0.01

    volatility, sharpe, sortino = metrics.risk(returns, 365, 0)

    assert volatility == pytest.approx(std * math.sqrt(365))
    assert sharpe == pytest.approx(0.005 / std * math.sqrt(365))
    assert sortino == pytest.approx(0.005 / downside * math.sqrt(365))


def test_it_takes_the_risk_free_rate_per_bar_out_of_the_returns():
    returns = [0.01, -0.02, 0.03, 0.0]
    rf_day = 1.0365 ** (1 / 365) - 1

    _, sharpe, _ = metrics.risk(returns, 365, "0.0365")

    std = float(np.std(returns, ddof=1))
    assert sharpe == pytest.approx((0.005 - rf_day) / std * math.sqrt(365))


def test_it_answers_zero_ratios_when_they_are_undefined():
    assert metrics.risk([0.01], 365, 0) == (0.0, 0.0, 0.0)
    assert metrics.risk([0.01, 0.01, 0.01], 365, 0)[1:] == (0.0, 0.0)


def test_it_annualizes_over_a_365_day_year():
    # 10% over half a year (182.5 days) is 21% a year
    half = 182.5 * 86400

    assert metrics.annualized_return(0.10, half) == pytest.approx(0.21)
    assert metrics.annualized_return(0.10, 0) is None


def test_it_samples_wealth_at_the_last_point_before_each_boundary():
    times = np.array([10, 20, 30])
    kept, levels = metrics.at_boundaries(times, [1.0, 1.5, 1.2], [5, 15, 20, 35])

    # a point exactly at a boundary opens the next bar
    assert kept.tolist() == [15, 20, 35]
    assert levels.tolist() == [1.0, 1.0, 1.2]


def test_a_day_summary_keeps_growth_extremes_and_the_days_own_drawdown():
    # given the day after a snapshot worth 100: 110, 99, 120, 96
    times = np.array([1, 2, 3, 4])
    summary = metrics.day_summary(
        times, [110, 99, 120, 96], [0, 0, 0, 0], previous=(100, 0)
    )

    assert summary["growth"] == pytest.approx(0.96)
    assert (summary["high"], summary["high_ms"]) == (pytest.approx(1.2), 3)
    assert (summary["low"], summary["low_ms"]) == (pytest.approx(0.96), 4)
    # 120 -> 96 (-20%) is deeper than 110 -> 99 (-10%)
    assert summary["drawdown_peak_ms"] == 3
    assert summary["drawdown_trough_ms"] == 4
    assert summary["drawdown_trough"] / summary["drawdown_peak"] == pytest.approx(0.8)
