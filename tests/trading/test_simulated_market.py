"""The simulated market: a pure function of (symbol, minute), exact to aggregate."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from trading.market import get_source
from trading.market.intervals import DAY_MS, HOUR_MS, MINUTE_MS
from trading.market.simulated import EPOCH_MS, SimulatedMarket
from trading.market.symbols import get_spec

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 15, 12, 30, 25, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
JAN_2024 = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1000)


@pytest.fixture
def source():
    return get_source("simulated")


def columns(candles):
    return {
        name: getattr(candles, name).tolist()
        for name in ("open_time", "open", "high", "low", "close", "volume", "trades")
    }


def test_it_answers_the_same_candles_twice_and_from_a_fresh_model(source):
    spec = get_spec("BTCUSDT")

    first = source.klines(spec, "5m", start=JAN_2024, limit=300, now=NOW)
    again = source.klines(spec, "5m", start=JAN_2024, limit=300, now=NOW)
    fresh = SimulatedMarket().minutes(
        spec, JAN_2024, JAN_2024 + 1500 * MINUTE_MS, NOW_MS
    )

    assert columns(first) == columns(again)
    assert columns(first) == columns(fresh.aggregate("5m"))


def test_it_gives_each_symbol_its_own_market(source):
    btc = source.klines("BTCUSDT", "1d", start=JAN_2024, limit=30, now=NOW)
    eth = source.klines("ETHUSDT", "1d", start=JAN_2024, limit=30, now=NOW)

    returns = [np.diff(np.log(c.close.astype(float))) for c in (btc, eth)]
    assert not np.allclose(returns[0], returns[1])


def test_an_hour_is_the_aggregate_of_its_sixty_minutes(source):
    spec = get_spec("SOLUSDT")
    hour_open = JAN_2024 + 7 * HOUR_MS

    hour = source.klines(spec, "1h", start=hour_open, limit=1, now=NOW)
    minutes = source.klines(spec, "1m", start=hour_open, limit=60, now=NOW)

    assert len(minutes) == 60
    assert hour.open[0] == minutes.open[0]
    assert hour.close[0] == minutes.close[-1]
    assert hour.high[0] == minutes.high.max()
    assert hour.low[0] == minutes.low.min()
    assert hour.volume[0] == minutes.volume.sum()
    assert hour.quote_volume[0] == minutes.quote_volume.sum()
    assert hour.trades[0] == minutes.trades.sum()
    assert hour.taker_base[0] == minutes.taker_base.sum()


def test_a_week_is_the_aggregate_of_its_days_opening_on_monday(source):
    spec = get_spec("BTCUSDT")

    week = source.klines(spec, "1w", start=JAN_2024, limit=1, now=NOW)
    days = source.klines(spec, "1d", start=JAN_2024, limit=7, now=NOW)

    assert datetime.fromtimestamp(week.open_time[0] / 1000, UTC).weekday() == 0
    assert week.open_time[0] == JAN_2024  # 2024-01-01 was a Monday
    assert week.volume[0] == days.volume.sum()
    assert week.high[0] == days.high.max() and week.close[0] == days.close[-1]


def test_a_month_opens_on_the_first_and_spans_the_calendar_month(source):
    months = source.klines("ETHUSDT", "1M", start=JAN_2024, limit=3, now=NOW)

    opens = [datetime.fromtimestamp(t / 1000, UTC) for t in months.open_time]
    assert [(m.year, m.month, m.day) for m in opens] == [
        (2024, 1, 1),
        (2024, 2, 1),
        (2024, 3, 1),
    ]
    assert months.close_time[1] == months.open_time[2] - 1


def test_candles_join_open_to_previous_close_and_hold_high_and_low(source):
    candles = source.klines("BNBUSDT", "1m", start=JAN_2024, limit=1000, now=NOW)

    assert (candles.open[1:] == candles.close[:-1]).all()
    assert (candles.high >= np.maximum(candles.open, candles.close)).all()
    assert (candles.low <= np.minimum(candles.open, candles.close)).all()
    assert (candles.low > 0).all()
    assert (candles.taker_base <= candles.volume).all()


def test_the_newest_candle_is_partial_and_nothing_comes_from_the_future(source):
    spec = get_spec("BTCUSDT")
    hour_open = NOW_MS // HOUR_MS * HOUR_MS

    hour = source.klines(spec, "1h", limit=2, now=NOW)
    minutes = source.klines(spec, "1m", start=hour_open, limit=60, now=NOW)
    later = source.klines(spec, "1h", limit=1, now=NOW + timedelta(minutes=20))

    assert hour.open_time[-1] == hour_open
    assert len(minutes) == 31  # 12:00 to 12:30, the last one in progress
    assert hour.volume[-1] == minutes.volume.sum()
    assert hour.close[-1] == minutes.close[-1]
    assert later.volume[0] > hour.volume[-1]


def test_the_price_moves_within_the_minute_and_stays_inside_its_range(source):
    spec = get_spec("BTCUSDT")
    minute_open = NOW_MS // MINUTE_MS * MINUTE_MS
    whole = source.klines(
        spec, "1m", start=minute_open, limit=1, now=NOW + timedelta(minutes=1)
    )

    prices = {
        source.price(spec, now=NOW.replace(second=s)).price for s in range(0, 60, 5)
    }

    assert len(prices) > 1
    low, high = whole.low[0] / 1e8, whole.high[0] / 1e8
    assert all(low <= float(p) <= high for p in prices)
    last = source.price(spec, now=NOW.replace(second=59, microsecond=999000))
    assert last.price * 10**8 == int(whole.close[0])


def test_window_semantics_follow_binance(source):
    spec = get_spec("ETHUSDT")
    mid_candle = JAN_2024 + 90 * MINUTE_MS + 1

    from_start = source.klines(spec, "1h", start=mid_candle, limit=3, now=NOW)
    up_to_end = source.klines(spec, "1h", end=JAN_2024 + 5 * HOUR_MS, limit=2, now=NOW)
    between = source.klines(
        spec, "1h", start=JAN_2024, end=JAN_2024 + 3 * HOUR_MS, limit=100, now=NOW
    )
    before_epoch = source.klines(spec, "1d", start=0, limit=2, now=NOW)
    future = source.klines(spec, "1m", start=NOW_MS + DAY_MS, now=NOW)

    assert from_start.open_time.tolist()[0] == JAN_2024 + 2 * HOUR_MS
    assert len(from_start) == 3
    assert up_to_end.open_time.tolist() == [
        JAN_2024 + 4 * HOUR_MS,
        JAN_2024 + 5 * HOUR_MS,
    ]
    assert len(between) == 4
    assert before_epoch.open_time[0] == EPOCH_MS
    assert len(future) == 0


def test_it_covers_the_seed_backtest_year(source):
    year = source.klines("BTCUSDT", "1d", start=JAN_2024, limit=366, now=NOW)

    assert len(year) == 366
    assert (year.volume > 0).all()


def test_it_looks_like_a_crypto_market(source):
    """Volatility clusters, volume follows volatility, and some wicks hunt stops."""
    spec = get_spec("BTCUSDT")
    month = source.minutes(spec, JAN_2024, JAN_2024 + 30 * DAY_MS, NOW_MS)
    days = source.klines(spec, "1d", start=EPOCH_MS, limit=1000, now=NOW)

    returns = np.diff(np.log(month.close.astype(float)))
    size = np.abs(returns)
    hourly = size[: len(size) // 60 * 60].reshape(-1, 60).sum(axis=1)
    assert np.corrcoef(hourly[:-1], hourly[1:])[0, 1] > 0.2
    assert np.corrcoef(size, month.volume[1:].astype(float))[0, 1] > 0.3

    daily = np.diff(np.log(days.close.astype(float)))
    squared = daily**2
    assert np.corrcoef(squared[:-1], squared[1:])[0, 1] > 0.05
    kurtosis = np.mean((daily - daily.mean()) ** 4) / daily.var() ** 2
    assert kurtosis > 3.5

    top = np.maximum(month.open, month.close).astype(float)
    wick = (month.high - top) / top
    body = np.abs(returns).mean()
    assert (wick > 10 * body).sum() >= 3


def test_it_produces_a_year_of_minutes_in_under_a_second():
    import time

    spec = get_spec("XRPUSDT")
    model = SimulatedMarket()

    started = time.perf_counter()
    year = model.minutes(spec, JAN_2024, JAN_2024 + 365 * DAY_MS, NOW_MS)
    elapsed = time.perf_counter() - started

    assert len(year) == 365 * 1440
    # Generous against a loaded CI machine; bench/ reports the real figure.
    assert elapsed < 3.0


def test_it_answers_recent_trades_along_the_price_path(source):
    spec = get_spec("BTCUSDT")

    trades = source.trades(spec, limit=50, now=NOW)
    whole = source.klines(spec, "1m", limit=3, now=NOW)

    assert len(trades) == 50
    assert [t.time for t in trades] == sorted(t.time for t in trades)
    assert trades[-1].time <= NOW
    low, high = whole.low.min() / 1e8, whole.high.max() / 1e8
    assert all(low <= float(t.price) <= high for t in trades)
    assert all(t.quantity > 0 for t in trades)
