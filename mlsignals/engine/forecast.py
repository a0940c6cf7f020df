"""Price paths: damped-trend exponential smoothing on log prices (statsmodels).

The model's parameters are estimated on the first ``FIT_SHARE`` of the candles.
With those parameters fixed, the smoother runs over every candle, and from each
later candle (an *origin*) it forecasts the next ``horizon`` log prices using
only data up to that origin: a walk-forward test over the rest of the window.

Those walk-forward errors give the figures the answer reports (mean absolute
error in percent, and directional accuracy) beside the naive forecast (the last
price, carried forward) on the same origins, and they give the bands: the 80%
and 95% bands at step ``k`` are the 10-90% and 2.5-97.5% quantiles of the
step-``k`` errors, added to the final forecast. Bands made this way cover about
their nominal share of outcomes as long as the market behaves as it did over the
window (split conformal prediction).
"""

import warnings

import numpy as np
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.holtwinters import ExponentialSmoothing

FIT_SHARE = 0.5
MODEL_NAME = "damped-holt-log"


def _fit(y):
    model = ExponentialSmoothing(
        y, trend="add", damped_trend=True, initialization_method="estimated"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit()


def _states(y, params):
    """Level and trend after each observation, with the parameters held fixed."""
    model = ExponentialSmoothing(
        y,
        trend="add",
        damped_trend=True,
        initialization_method="known",
        initial_level=params["initial_level"],
        initial_trend=params["initial_trend"],
    )
    result = model.fit(
        smoothing_level=params["smoothing_level"],
        smoothing_trend=params["smoothing_trend"],
        damping_trend=params["damping_trend"],
        optimized=False,
    )
    return np.asarray(result.level), np.asarray(result.trend)


def forecast(close, horizon):
    """The forecast path and bands in prices, and the walk-forward evaluation."""
    close = np.asarray(close, dtype="float64")
    y = np.log(close)
    n = len(y)
    split = int(n * FIT_SHARE)
    if split < 50 or n - split <= horizon + 20:
        raise ValueError(f"{n} candles are too few for a horizon of {horizon}")

    fitted = _fit(y[:split])
    params = {
        key: float(fitted.params[key])
        for key in (
            "smoothing_level",
            "smoothing_trend",
            "damping_trend",
            "initial_level",
            "initial_trend",
        )
    }
    level, trend = _states(y, params)
    phi = params["damping_trend"]
    # Cumulative damping factors phi + phi^2 + ... + phi^k for k = 1..horizon.
    damp = np.cumsum(phi ** np.arange(1, horizon + 1))

    origins = np.arange(split, n - horizon)
    predicted = level[origins, None] + trend[origins, None] * damp[None, :]
    steps = np.arange(1, horizon + 1)
    actual = y[origins[:, None] + steps[None, :]]
    start = y[origins, None]
    errors = actual - predicted
    naive_errors = actual - start

    moved = actual != start
    hits = np.sign(predicted - start) == np.sign(actual - start)
    up_share = float(np.mean(actual[moved] > start.repeat(horizon, 1)[moved]))

    mae = float(np.mean(np.abs(np.expm1(errors))) * 100)
    naive_mae = float(np.mean(np.abs(np.expm1(naive_errors))) * 100)
    evaluation = {
        "origins": int(len(origins)),
        "maePercent": mae,
        "naiveMaePercent": naive_mae,
        "skill": 1 - mae / naive_mae if naive_mae else 0.0,
        "directionalAccuracy": float(np.mean(hits[moved])) if moved.any() else None,
        "upShare": up_share,
        "beatsNaive": mae < naive_mae,
    }

    quantiles = np.quantile(errors, [0.025, 0.10, 0.90, 0.975], axis=0)
    final = level[-1] + trend[-1] * damp
    path = {
        "price": np.exp(final),
        "lower95": np.exp(final + quantiles[0]),
        "lower80": np.exp(final + quantiles[1]),
        "upper80": np.exp(final + quantiles[2]),
        "upper95": np.exp(final + quantiles[3]),
    }
    return {
        "model": {"name": MODEL_NAME, "params": params, "fittedOn": split},
        "path": path,
        "evaluation": evaluation,
    }
