"""The backtest engine's rules on candles made by hand, and the strategies."""

from decimal import Decimal

import numpy as np
import pytest

from core.errors import ValidationFailed
from mlsignals.backtest import engine, metrics, strategies
from mlsignals.engine.frames import make_frame
from tests.mlsignals.synthetic import HOUR_MS, START_MS, random_walk

NAN = np.nan


def frame_of(rows):
    """Candles from (open, high, low, close) rows, one hour apart."""
    o, h, lo, c = (np.array(column, dtype=float) for column in zip(*rows, strict=True))
    times = START_MS + HOUR_MS * np.arange(len(rows))
    return make_frame(times, o, h, lo, c, np.ones(len(rows)))


FLAT_ROWS = [(100, 101, 99, 100)] * 3 + [(110, 111, 109, 110)] * 3


def settings(**overrides):
    base = {
        "initial_capital": Decimal(1000),
        "commission": Decimal(0),
        "quantity_step": Decimal("0.001"),
    }
    return engine.Settings(**{**base, **overrides})


def test_it_fills_a_decision_at_the_next_candles_open_never_the_same_candle():
    candles = frame_of(FLAT_ROWS)
    targets = [NAN, 1, NAN, NAN, NAN, 0]

    result = engine.run(candles, targets, settings())

    (trade,) = result.trades
    assert trade.entry_bar == 2 and trade.entry_price == Decimal(100)
    # The exit decided on the last candle cannot fill: closed at its close.
    assert trade.exit_reason == engine.END and trade.exit_price == Decimal(110)
    assert trade.quantity == Decimal(10)
    assert result.final_cash == Decimal(1100)


def test_it_charges_commission_on_both_sides_and_sizes_with_the_fee_included():
    candles = frame_of(FLAT_ROWS)
    options = settings(commission=Decimal("0.001"), quantity_step=Decimal("0.0001"))

    result = engine.run(candles, [NAN, 1, NAN, 0, NAN, NAN], options)

    (trade,) = result.trades
    # 1000 / (100 * 1.001) = 9.99000999 -> 9.9900 at a 0.0001 step.
    assert trade.quantity == Decimal("9.9900")
    assert trade.entry_fee == Decimal("0.99900000")
    assert trade.exit_price == Decimal(110) and trade.exit_bar == 4
    assert trade.exit_fee == Decimal("1.09890000")
    assert trade.pnl == Decimal("9.9900") * 10 - Decimal("0.999") - Decimal("1.0989")
    assert result.final_cash == Decimal(1000) + trade.pnl


def test_slippage_makes_market_fills_worse_on_both_sides():
    candles = frame_of(FLAT_ROWS)

    result = engine.run(
        candles, [NAN, 1, NAN, 0, NAN, NAN], settings(slippage=Decimal("0.01"))
    )

    (trade,) = result.trades
    assert trade.entry_price == Decimal(101)
    assert trade.exit_price == Decimal("108.9")


def test_when_stop_and_target_are_touched_in_one_candle_the_stop_counts():
    rows = [(100, 100, 100, 100)] * 2 + [(100, 120, 80, 100), (100, 100, 100, 100)]
    candles = frame_of(rows)
    options = settings(stop_loss=Decimal("0.1"), take_profit=Decimal("0.1"))

    result = engine.run(candles, [1, NAN, NAN, NAN], options)

    (trade,) = result.trades
    assert trade.exit_reason == engine.STOP_LOSS
    assert trade.exit_bar == 2 and trade.exit_price == Decimal(90)


def test_a_candle_that_gaps_through_the_stop_fills_at_its_open():
    rows = [(100, 100, 100, 100)] * 2 + [(100, 101, 99, 100), (80, 85, 75, 82)]
    candles = frame_of(rows)

    result = engine.run(candles, [1, NAN, NAN, NAN], settings(stop_loss=Decimal("0.1")))

    (trade,) = result.trades
    assert trade.exit_reason == engine.STOP_LOSS
    assert trade.exit_bar == 3 and trade.exit_price == Decimal(80)


def test_a_take_profit_is_a_limit_filled_at_its_level_without_slippage():
    rows = [(100, 100, 100, 100)] * 2 + [(100, 104, 99, 103), (103, 107, 102, 106)]
    candles = frame_of(rows)
    options = settings(take_profit=Decimal("0.05"), slippage=Decimal("0.01"))

    result = engine.run(candles, [1, NAN, NAN, NAN], options)

    (trade,) = result.trades
    assert trade.entry_price == Decimal(101)
    assert trade.exit_reason == engine.TAKE_PROFIT
    assert trade.exit_price == Decimal("106.05")


def test_long_only_treats_a_short_target_as_flat_and_shorts_reverse_when_allowed():
    candles = frame_of(FLAT_ROWS[:3] + [(90, 91, 89, 90)] * 3)
    targets = [1, NAN, -1, NAN, NAN, NAN]

    long_only = engine.run(candles, targets, settings())
    both = engine.run(candles, targets, settings(allow_short=True))

    assert [t.side for t in long_only.trades] == ["LONG"]
    assert [(t.side, t.entry_bar) for t in both.trades] == [("LONG", 1), ("SHORT", 3)]
    short = both.trades[1]
    assert short.exit_reason == engine.END
    assert short.pnl == short.quantity * (Decimal(90) - Decimal(90))


def test_a_fraction_of_equity_sizes_the_position():
    candles = frame_of(FLAT_ROWS)

    result = engine.run(
        candles, [1, NAN, NAN, NAN, NAN, NAN], settings(position_size=Decimal("0.25"))
    )

    assert result.trades[0].quantity == Decimal("2.5")
    # Marked at each close: cash plus the position.
    assert result.equity[1] == pytest.approx(750 + 2.5 * 100)
    assert result.equity[3] == pytest.approx(750 + 2.5 * 110)


def test_figures_follow_their_documented_formulas():
    rows = [(100, 100, 100, 100), (100, 100, 100, 100), (100, 120, 100, 120)]
    rows += [(120, 120, 120, 120), (120, 120, 90, 90), (90, 90, 90, 90)]
    candles = frame_of(rows)
    result = engine.run(candles, [1, NAN, 0, 1, NAN, NAN], settings())

    figures = metrics.compute(result, candles, settings(), HOUR_MS)

    # Trade 1: 10 units 100 -> 120 (+200); trade 2: 1200/120 = 10 units 120 -> 90
    # (-300), closed at the end.
    assert figures["totalTrades"] == 2
    assert figures["profitFactor"] == Decimal("0.666667")
    assert figures["winRate"] == Decimal("0.5")
    assert figures["totalReturn"] == Decimal("-0.1")
    assert figures["maxDrawdown"] == Decimal("0.25")
    assert figures["buyAndHoldReturn"] == Decimal("-0.1")
    assert figures["exposure"] == Decimal("0.5")
    equity = np.array([1000, 1000, 1200, 1200, 900, 900], dtype=float)
    np.testing.assert_allclose(result.equity, equity)
    returns = equity / np.r_[1000, equity[:-1]] - 1
    sharpe = returns.mean() / returns.std(ddof=1) * np.sqrt(8760)
    assert float(figures["sharpeRatio"]) == pytest.approx(sharpe, abs=1e-6)
    assert figures["averageHoldingSeconds"] == 5400
    # -10% in six hours, compounded over a year, leaves nothing.
    assert figures["cagr"] == Decimal("-1")


@pytest.mark.parametrize("key", list(strategies.STRATEGIES))
def test_each_strategy_decides_on_closed_candles_only(key, trained_params):
    frame = random_walk(1500, seed=5)
    strategy = strategies.build(key, {}, {"model": trained_params})

    whole = strategy.targets(frame)
    part = strategy.targets(frame.iloc[:900])

    np.testing.assert_array_equal(part, whole[:900])
    assert set(np.unique(whole[~np.isnan(whole)])) <= {-1.0, 0.0, 1.0}
    assert (~np.isnan(whole)).sum() > 3
    decided = strategy.decide(frame.iloc[:900])
    assert decided == (None if np.isnan(part[-1]) else part[-1])


@pytest.fixture(scope="module")
def trained_params():
    from mlsignals.engine import signals

    params = signals.train(random_walk(3000, seed=9))
    return {k: v for k, v in params.items() if k not in ("trainStart", "trainEnd")}


@pytest.mark.parametrize(
    ("key", "params", "field"),
    [
        ("MEAN_REVERSION", {"rsiPeriod": 1}, "parameters.rsiPeriod"),
        ("MEAN_REVERSION", {"rsiPeriod": 14.5}, "parameters.rsiPeriod"),
        ("MEAN_REVERSION", {"oversold": "low"}, "parameters.oversold"),
        ("MEAN_REVERSION", {"speed": 3}, "parameters.speed"),
        (
            "TREND_FOLLOWING",
            {"fastPeriod": 30, "slowPeriod": 20},
            "parameters.fastPeriod",
        ),
        ("BOLLINGER_REVERSION", {"stdDev": 9}, "parameters.stdDev"),
        ("NOPE", {}, "strategy"),
    ],
)
def test_wrong_parameters_are_refused_naming_the_parameter(key, params, field):
    with pytest.raises(ValidationFailed) as caught:
        strategies.build(key, params)

    assert field in caught.value.details


def test_defaults_fill_the_parameters_left_out():
    strategy = strategies.build("MEAN_REVERSION", {"rsiPeriod": 7})

    assert strategy.values == {"rsiPeriod": 7, "oversold": 30, "overbought": 70}
