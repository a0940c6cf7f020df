"""Training the signal model of a symbol and timeframe from market data."""

import logging
import time

from django.db import transaction
from django.db.models import Max

from core.time import utc_now
from mlsignals import data
from mlsignals.engine import signals as engine
from mlsignals.models import SignalModel

logger = logging.getLogger(__name__)

MODEL_NAME = "signal-logit"
MODEL_KIND = "statsmodels.Logit"
TRAIN_CANDLES = 5000


def train_model(spec, timeframe, candles=TRAIN_CANDLES, now=None):
    """Fit a new version on the last ``candles`` closed candles and activate it."""
    started = time.perf_counter()
    frame = data.frame(spec, timeframe, candles, now)
    params = engine.train(frame)
    train_start = params.pop("trainStart")
    train_end = params.pop("trainEnd")
    metrics = {
        "inSample": params.pop("inSample"),
        "outOfSample": params.pop("outOfSample"),
    }

    with transaction.atomic():
        # Lock the active rows so that two trainings cannot both activate a version.
        current = SignalModel.objects.select_for_update().filter(
            name=MODEL_NAME, symbol=spec.symbol, timeframe=timeframe
        )
        version = (current.aggregate(top=Max("version"))["top"] or 0) + 1
        current.filter(is_active=True).update(is_active=False)
        model = SignalModel.objects.create(
            name=MODEL_NAME,
            kind=MODEL_KIND,
            symbol=spec.symbol,
            timeframe=timeframe,
            version=version,
            params=params,
            metrics=metrics,
            train_start=train_start,
            train_end=train_end,
            candles=len(frame),
            promoted_at=utc_now(),
        )
    logger.info(
        "Trained %s for %s %s v%d on %d candles in %.0fms (out-of-sample AUC %.3f)",
        MODEL_NAME,
        spec.symbol,
        timeframe,
        version,
        len(frame),
        (time.perf_counter() - started) * 1000,
        metrics["outOfSample"]["auc"],
    )
    return model


def active_model(symbol, timeframe):
    return (
        SignalModel.objects.filter(
            name=MODEL_NAME, symbol=symbol, timeframe=timeframe, is_active=True
        )
        .order_by("-version")
        .first()
    )
