"""Prediction bands hold about their nominal share of outcomes."""

import numpy as np

from mlsignals.engine import forecast
from tests.mlsignals.synthetic import random_walk


def test_the_bands_contain_the_realized_path_at_about_their_nominal_rate():
    horizon = 12
    inside80 = inside95 = total = 0

    for seed in range(60):
        closes = random_walk(800 + horizon, sigma=0.01, seed=seed)["close"].to_numpy()
        result = forecast.forecast(closes[:800], horizon)
        future = closes[800:]
        path = result["path"]
        inside80 += ((future >= path["lower80"]) & (future <= path["upper80"])).sum()
        inside95 += ((future >= path["lower95"]) & (future <= path["upper95"])).sum()
        total += horizon

    assert 0.72 <= inside80 / total <= 0.90
    assert 0.90 <= inside95 / total <= 0.99


def test_it_says_whether_it_beats_the_naive_forecast():
    rng = np.random.default_rng(5)
    trending = 100 * np.exp(np.cumsum(0.004 + 0.001 * rng.standard_normal(600)))

    trend = forecast.forecast(trending, 10)["evaluation"]
    walk = forecast.forecast(random_walk(600, seed=6)["close"].to_numpy(), 10)[
        "evaluation"
    ]

    assert trend["beatsNaive"] is True
    assert trend["maePercent"] < trend["naiveMaePercent"]
    assert walk["beatsNaive"] == (walk["maePercent"] < walk["naiveMaePercent"])
    assert 0 <= walk["directionalAccuracy"] <= 1
