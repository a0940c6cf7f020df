"""Signals: a logistic model over indicator features gives P(close up after H).

Features at candle ``t`` use only candles up to ``t`` (indicators and AMD labels
are causal). The label of candle ``t`` is whether the close ``HORIZON`` candles
later is above the close of ``t``. The model is fitted by maximum likelihood
(statsmodels ``Logit``) on the first ``TRAIN_SHARE`` of the usable candles and
measured on the rest, which it never saw; its coefficients, the feature scaling
and those out-of-sample figures are what gets stored.

A signal is BUY when the probability of a rise is at least ``BUY_AT``, SELL when
it is at most ``1 - BUY_AT``, HOLD otherwise. ``confidence`` is the model's
probability that the signal's direction is right (for HOLD, of the likelier
direction); ``strength`` is how far the probability is from a coin flip,
``100 * |2p - 1|``. Stop loss and take profit sit ``STOP_ATR`` and ``TARGET_ATR``
ATRs from the entry (the last close).
"""

import logging
import math

import numpy as np
import statsmodels.api as sm

from mlsignals.engine import amd, indicators

logger = logging.getLogger(__name__)

HORIZON = 12
TRAIN_SHARE = 0.7
BUY_AT = 0.55
STOP_ATR = 1.5
TARGET_ATR = 3.0
WARMUP = 60

FEATURES = (
    "rsi",
    "macd_hist_atr",
    "close_ema20_atr",
    "close_ema50_atr",
    "bollinger_b",
    "stochastic_k",
    "adx",
    "return_5_atr",
    "amd_bias",
)


def features(frame, values=None, labels=None):
    """The feature matrix (rows aligned with the frame, NaN where not defined)."""
    values = values if values is not None else indicators.compute(frame)
    labels = labels if labels is not None else amd.label(frame)
    close = frame["close"].to_numpy(dtype="float64")
    atr = values["atr"]
    with np.errstate(invalid="ignore", divide="ignore"):
        width = values["bollingerUpper"] - values["bollingerLower"]
        ret5 = np.full(len(close), np.nan)
        ret5[5:] = close[5:] - close[:-5]
        amd_bias = np.where(
            labels.phase == amd.NONE, np.nan, labels.bias.astype("float64")
        )
        matrix = np.column_stack(
            [
                values["rsi"] / 100 - 0.5,
                values["macdHistogram"] / atr,
                (close - values["ema20"]) / atr,
                (close - values["ema50"]) / atr,
                np.where(width > 0, (close - values["bollingerLower"]) / width, 0.5)
                - 0.5,
                values["stochasticK"] / 100 - 0.5,
                values["adx"] / 100,
                ret5 / atr,
                amd_bias,
            ]
        )
    return matrix


def outcomes(close, horizon=HORIZON):
    """1.0 where the close ``horizon`` candles later is higher, NaN at the end."""
    up = np.full(len(close), np.nan)
    up[:-horizon] = (close[horizon:] > close[:-horizon]).astype("float64")
    return up


def _metrics(p, y):
    p = np.clip(p, 1e-9, 1 - 1e-9)
    base = float(y.mean())
    order = np.argsort(p)
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    positives = y.sum()
    negatives = len(y) - positives
    auc = (
        (ranks[y == 1].sum() - positives * (positives + 1) / 2)
        / (positives * negatives)
        if positives and negatives
        else float("nan")
    )
    base_p = min(max(base, 1e-9), 1 - 1e-9)
    return {
        "samples": int(len(y)),
        "logLoss": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
        "baseLogLoss": float(
            -(base * math.log(base_p) + (1 - base) * math.log(1 - base_p))
        ),
        "brier": float(np.mean((p - y) ** 2)),
        "baseBrier": float(base * (1 - base)),
        "accuracy": float(np.mean((p >= 0.5) == (y == 1))),
        "baseRate": base,
        "auc": float(auc),
        "meanPredicted": float(p.mean()),
    }


def train(frame, horizon=HORIZON):
    """Fit the model; answers its params as plain data (for a JSON column)."""
    values = indicators.compute(frame)
    labels = amd.label(frame)
    x = features(frame, values, labels)
    y = outcomes(frame["close"].to_numpy(dtype="float64"), horizon)
    usable = np.flatnonzero(~np.isnan(x).any(axis=1) & ~np.isnan(y))
    usable = usable[usable >= WARMUP]
    if len(usable) < 200:
        raise ValueError(f"{len(usable)} usable candles; at least 200 are needed")
    # The last `horizon` training rows' labels overlap the test period; drop them
    # so that nothing the test measures leaked into the fit.
    split = int(len(usable) * TRAIN_SHARE)
    train_rows = usable[: max(split - horizon, 1)]
    test_rows = usable[split:]

    mean = x[train_rows].mean(axis=0)
    std = x[train_rows].std(axis=0)
    std[std == 0] = 1.0
    design = sm.add_constant((x[train_rows] - mean) / std, has_constant="add")
    fit = sm.Logit(y[train_rows], design).fit(disp=0, maxiter=100)
    coef = np.asarray(fit.params)

    def predict(rows):
        z = coef[0] + ((x[rows] - mean) / std) @ coef[1:]
        return 1 / (1 + np.exp(-z))

    times = frame["open_time"]
    return {
        "features": list(FEATURES),
        "intercept": float(coef[0]),
        "coefficients": [float(c) for c in coef[1:]],
        "mean": [float(m) for m in mean],
        "std": [float(s) for s in std],
        "horizon": horizon,
        "buyAt": BUY_AT,
        "trainStart": times.iloc[int(train_rows[0])].to_pydatetime(),
        "trainEnd": times.iloc[int(train_rows[-1])].to_pydatetime(),
        "inSample": _metrics(predict(train_rows), y[train_rows]),
        "outOfSample": _metrics(predict(test_rows), y[test_rows]),
    }


def probability(params, row):
    """P(up) for one feature row under stored ``params``; None if undefined."""
    row = np.asarray(row, dtype="float64")
    if np.isnan(row).any():
        return None
    z = params["intercept"] + float(
        ((row - np.asarray(params["mean"])) / np.asarray(params["std"]))
        @ np.asarray(params["coefficients"])
    )
    return 1 / (1 + math.exp(-z))


def predict(params, rows):
    """P(up) for each row of a feature matrix under stored ``params`` (NaN where a
    feature is undefined)."""
    rows = np.asarray(rows, dtype="float64")
    scaled = (rows - np.asarray(params["mean"])) / np.asarray(params["std"])
    z = params["intercept"] + scaled @ np.asarray(params["coefficients"])
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def score(p, y):
    """Log loss, accuracy, AUC and the base rate's figures of predictions ``p``."""
    return _metrics(np.asarray(p, dtype="float64"), np.asarray(y, dtype="float64"))


def decide(p, close, atr, buy_at=BUY_AT):
    """The signal, strength, confidence and exit levels for probability ``p``."""
    if p >= buy_at:
        side, conf = "BUY", p
    elif p <= 1 - buy_at:
        side, conf = "SELL", 1 - p
    else:
        side, conf = "HOLD", max(p, 1 - p)
    stop = target = None
    if side == "BUY":
        stop, target = close - STOP_ATR * atr, close + TARGET_ATR * atr
    elif side == "SELL":
        stop, target = close + STOP_ATR * atr, close - TARGET_ATR * atr
    return {
        "signal": side,
        "strength": int(round(100 * abs(2 * p - 1))),
        "confidence": conf,
        "probabilityUp": p,
        "stopLoss": stop,
        "takeProfit": target,
    }
