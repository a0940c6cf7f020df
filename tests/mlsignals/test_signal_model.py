"""The signal model: trained on data, measured out of sample, causal features."""

import numpy as np
import pandas as pd

from mlsignals.engine import amd, signals
from tests.mlsignals.synthetic import HOUR_MS, START_MS, power_of_three, random_walk


def repeated_patterns(count):
    frames = [power_of_three(seed=seed)[0] for seed in range(count)]
    frame = pd.concat(frames, ignore_index=True)
    frame["open_time"] = pd.to_datetime(
        START_MS + HOUR_MS * np.arange(len(frame)), unit="ms", utc=True
    )
    return frame


def test_it_buys_the_expansion_after_a_sweep_it_learned_from_data():
    params = signals.train(repeated_patterns(10))
    frame, marks = power_of_three(seed=99)
    rows = signals.features(frame)

    p = signals.probability(params, rows[marks["expansion"]])
    close = float(frame["close"].iloc[marks["expansion"]])
    decision = signals.decide(p, close, atr=1.0)

    assert decision["signal"] == "BUY"
    assert decision["stopLoss"] < close < decision["takeProfit"]
    assert params["outOfSample"]["auc"] > 0.7


def test_it_measures_no_skill_on_a_random_walk():
    params = signals.train(random_walk(4000, seed=21))

    oos = params["outOfSample"]

    assert oos["samples"] > 1000
    assert 0.4 < oos["auc"] < 0.6
    assert oos["logLoss"] > oos["baseLogLoss"] - 0.01


def test_features_of_a_candle_do_not_change_when_candles_are_appended():
    full = random_walk(1500, seed=22)

    whole = signals.features(full)
    part = signals.features(full.iloc[:900])

    np.testing.assert_array_equal(part, whole[:900])


def test_a_hold_has_no_exit_levels_and_strength_measures_distance_from_even():
    hold = signals.decide(0.52, 100.0, 2.0)
    sell = signals.decide(0.2, 100.0, 2.0)

    assert hold["signal"] == "HOLD" and hold["stopLoss"] is None
    assert hold["strength"] == 4
    assert sell["signal"] == "SELL"
    assert sell["confidence"] == 0.8
    assert sell["stopLoss"] == 103.0 and sell["takeProfit"] == 94.0
    assert amd.NAMES[amd.ACCUMULATION] == "ACCUMULATION"
