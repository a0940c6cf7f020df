"""Demo data: a trained signal model for every symbol on 1h candles."""

import logging
import time

from mlsignals.services import training
from trading.market import get_source

logger = logging.getLogger(__name__)

DEMO_TIMEFRAME = "1h"
DEMO_CANDLES = 3000


def train_demo_models(out):
    started = time.perf_counter()
    for spec in get_source().symbols():
        if training.active_model(spec.symbol, DEMO_TIMEFRAME):
            continue
        model = training.train_model(spec, DEMO_TIMEFRAME, DEMO_CANDLES)
        auc = model.metrics["outOfSample"]["auc"]
        out(
            f"  signal model {spec.symbol} {DEMO_TIMEFRAME} v{model.version} "
            f"(out-of-sample AUC {auc:.3f})"
        )
    out(f"  trained in {time.perf_counter() - started:.1f}s")
