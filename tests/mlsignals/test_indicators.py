"""Indicators are TA-Lib's own values (and VWAP is the volume-weighted mean)."""

import numpy as np
import pytest
import talib

from mlsignals.engine import indicators
from mlsignals.engine.frames import make_frame
from tests.mlsignals import talib_reference as ref
from tests.mlsignals.synthetic import HOUR_MS, START_MS, random_walk


def reference_frame():
    closes = np.array(ref.CLOSES)
    times = START_MS + 86_400_000 * np.arange(len(closes))
    return make_frame(
        times, closes, closes * 1.01, closes * 0.99, closes, np.full(len(closes), 1e6)
    )


def test_it_gives_the_rsi_values_published_in_talibs_own_tests():
    values = indicators.compute(reference_frame(), daily_or_longer=True)

    for index, expected in ref.RSI_14:
        assert values["rsi"][index] == pytest.approx(expected, abs=0.01)


def test_its_moving_averages_match_talibs_published_values():
    closes = np.array(ref.CLOSES)

    # The periods TA-Lib's tests publish, through the same library calls.
    for index, expected in ref.SMA_30:
        assert talib.SMA(closes, 30)[index] == pytest.approx(expected, abs=0.01)
    for index, expected in ref.EMA_10:
        assert talib.EMA(closes, 10)[index] == pytest.approx(expected, abs=0.01)


def test_every_indicator_equals_calling_talib_directly():
    frame = random_walk(1500, seed=3)
    h, lo, c, v = (frame[n].to_numpy() for n in ("high", "low", "close", "volume"))

    values = indicators.compute(frame)

    macd, signal, hist = talib.MACD(c, 12, 26, 9)
    upper, middle, lower = talib.BBANDS(c, 20, 2.0, 2.0, 0)
    k, d = talib.STOCH(h, lo, c, 14, 3, 0, 3, 0)
    expected = {
        "rsi": talib.RSI(c, 14),
        "macd": macd,
        "macdSignal": signal,
        "macdHistogram": hist,
        "ema20": talib.EMA(c, 20),
        "ema50": talib.EMA(c, 50),
        "ema200": talib.EMA(c, 200),
        "sma20": talib.SMA(c, 20),
        "sma50": talib.SMA(c, 50),
        "bollingerUpper": upper,
        "bollingerMiddle": middle,
        "bollingerLower": lower,
        "atr": talib.ATR(h, lo, c, 14),
        "stochasticK": k,
        "stochasticD": d,
        "adx": talib.ADX(h, lo, c, 14),
        "obv": talib.OBV(c, v),
    }
    for name, series in expected.items():
        np.testing.assert_array_equal(values[name], series, err_msg=name)


def test_the_vwap_restarts_at_each_utc_day():
    frame = random_walk(72, seed=4)
    h, lo, c, v = (frame[n].to_numpy() for n in ("high", "low", "close", "volume"))
    typical = (h + lo + c) / 3
    day_start = (START_MS // 86_400_000 + 1) * 86_400_000
    first_of_day = int((day_start - START_MS) // HOUR_MS)

    values = indicators.compute(frame)["vwap"]

    assert values[0] == pytest.approx(typical[0])
    assert values[first_of_day] == pytest.approx(typical[first_of_day])
    upto = slice(first_of_day, first_of_day + 5)
    expected = (typical[upto] * v[upto]).sum() / v[upto].sum()
    assert values[first_of_day + 4] == pytest.approx(expected)


def test_readings_say_where_the_close_stands():
    rising = random_walk(400, sigma=0.002, drift=0.003, seed=5)

    values = indicators.compute(rising)
    found = indicators.readings(values, float(rising["close"].iloc[-1]))

    assert found["ema"] == "above"
    assert found["rsi"] > 50
    assert found["macd"] in ("bullish", "bearish")
