"""Issuing signals, storing them, publishing them, and judging them later."""

import logging
from decimal import Decimal

from django.db import IntegrityError, transaction

from core.errors import ValidationFailed
from core.time import utc_now
from mlsignals import data
from mlsignals.engine import amd
from mlsignals.engine import signals as engine
from mlsignals.formatting import ms_to_datetime, ms_to_iso, number, price
from mlsignals.models import Signal
from mlsignals.services import analysis, training
from trading.market import intervals

logger = logging.getLogger(__name__)

MAX_BATCH = 20
# A HOLD was right when price stayed within this many ATRs of the entry.
HOLD_BAND_ATR = 1.0


def _publish(payload):
    from realtime import events

    events.to_symbol(
        payload["symbol"],
        events.SIGNAL,
        {
            "symbol": payload["symbol"],
            "timeframe": payload["timeframe"],
            "signal": payload["signal"],
            "strength": payload["strength"],
            "confidence": payload["confidence"],
            "timestamp": payload["timestamp"],
        },
    )


def model_for(spec, timeframe, now=None):
    """The active model, trained now if there is none yet (logged)."""
    model = training.active_model(spec.symbol, timeframe)
    if model is None:
        logger.info("No signal model for %s %s; training one", spec.symbol, timeframe)
        try:
            model = training.train_model(spec, timeframe, now=now)
        except ValueError as exc:
            raise ValidationFailed(
                "symbol",
                f"Not enough {timeframe} history to train a model: {exc}.",
                reason="NOT_ENOUGH_DATA",
            )
    return model


def _model_ref(model):
    """The model behind a signal and whether it beat the base rate out of sample."""
    oos = model.metrics.get("outOfSample", {})
    return {
        "id": str(model.id),
        "version": model.version,
        "outOfSampleAuc": number(oos.get("auc"), 4),
        "beatsBaseRate": bool(oos.get("logLoss", 1) < oos.get("baseLogLoss", 0)),
    }


def _compute(spec, timeframe, now=None):
    snap = analysis.snapshot(spec, timeframe, analysis.WINDOW, now)
    model = model_for(spec, timeframe, now)
    row = engine.features(snap.frame, snap.values, snap.labels)[-1]
    p = engine.probability(model.params, row)
    if p is None:
        raise ValidationFailed(
            "symbol",
            "Not enough candles to compute the features.",
            reason="NOT_ENOUGH_DATA",
        )
    close = float(snap.close[-1])
    atr = float(snap.values["atr"][-1])
    # TODO: a model that did not beat the base rate out of sample still issues BUY
    # and SELL (the answer says so in model.beatsBaseRate); holding such signals
    # back belongs with the model registry and retraining of the backtesting issue.
    decision = engine.decide(p, close, atr, model.params.get("buyAt", engine.BUY_AT))
    phase = int(snap.labels.phase[-1])
    readings = analysis.readings(snap)
    horizon = int(model.params["horizon"])
    open_ms = int(snap.open_ms[-1])
    close_ms = snap.close_time_ms()
    evaluate_ms = intervals.step_back(timeframe, close_ms, -horizon)
    payload = {
        "symbol": spec.symbol,
        "timeframe": timeframe,
        "signal": decision["signal"],
        "strength": decision["strength"],
        "entry": price(spec, close),
        "stopLoss": price(spec, decision["stopLoss"]),
        "takeProfit": price(spec, decision["takeProfit"]),
        "confidence": number(decision["confidence"], 4),
        "probabilityUp": number(p, 4),
        "amdPhase": amd.NAMES.get(phase),
        "indicators": readings,
        "model": _model_ref(model),
        "horizon": horizon,
        "timestamp": ms_to_iso(close_ms),
    }
    _store(payload, model, open_ms, close_ms, evaluate_ms, atr)
    return payload


def _store(payload, model, open_ms, close_ms, evaluate_ms, atr):
    """Keep the signal of this candle (once) and publish it when it is new."""
    readings = {
        key: (str(value) if isinstance(value, Decimal) else value)
        for key, value in payload["indicators"].items()
    }
    try:
        with transaction.atomic():
            Signal.objects.create(
                symbol=payload["symbol"],
                timeframe=payload["timeframe"],
                candle_open=ms_to_datetime(open_ms),
                issued_for=ms_to_datetime(close_ms),
                signal=payload["signal"],
                strength=payload["strength"],
                entry=payload["entry"],
                stop_loss=payload["stopLoss"],
                take_profit=payload["takeProfit"],
                confidence=payload["confidence"],
                probability_up=payload["probabilityUp"],
                atr=Decimal(repr(atr)).quantize(Decimal("1e-8")),
                amd_phase=payload["amdPhase"] or "",
                indicators=readings,
                model=model,
                horizon=payload["horizon"],
                evaluate_at=ms_to_datetime(evaluate_ms),
            )
            transaction.on_commit(lambda: _publish(payload))
    except IntegrityError:
        # Another request stored this candle's signal first; it is the same one.
        logger.debug("Signal of %s %s exists", payload["symbol"], open_ms)


def get_signal(spec, timeframe, now=None):
    return analysis.cached(
        "signal", spec, timeframe, lambda: _compute(spec, timeframe, now), now
    )


def batch(specs, timeframe, now=None):
    if len(specs) > MAX_BATCH:
        raise ValidationFailed("symbols", f"At most {MAX_BATCH} symbols per batch.")
    return [get_signal(spec, timeframe, now) for spec in specs]


def history(symbol, timeframe=None):
    rows = Signal.objects.filter(symbol=symbol)
    if timeframe:
        rows = rows.filter(timeframe=timeframe)
    return rows


# Outcomes --------------------------------------------------------------------


def judge(signal, exit_price):
    """Whether ``signal`` was right given the close ``horizon`` candles later."""
    entry = signal.entry
    change = exit_price - entry
    if signal.signal == Signal.Side.BUY:
        right = change > 0
    elif signal.signal == Signal.Side.SELL:
        right = change < 0
    else:
        right = abs(change) <= signal.atr * Decimal(str(HOLD_BAND_ATR))
    return Signal.Outcome.RIGHT if right else Signal.Outcome.WRONG


def evaluate_due(now=None, limit=500):
    """Judge the pending signals whose horizon has passed; answers how many."""
    from trading.market import get_source
    from trading.market.candles import E8

    now = now or utc_now()
    due = Signal.objects.filter(
        outcome=Signal.Outcome.PENDING, evaluate_at__lte=now
    ).order_by("evaluate_at")[:limit]
    source = get_source()
    judged = 0
    for signal in due:
        spec = data.symbol_spec(signal.symbol)
        # The candle whose close is the horizon: it opens one candle before it.
        evaluate_ms = int(signal.evaluate_at.timestamp() * 1000)
        last_open = intervals.step_back(signal.timeframe, evaluate_ms, 1)
        candles = source.klines(
            spec, signal.timeframe, start=last_open, end=last_open, limit=1, now=now
        )
        if not len(candles) or int(candles.open_time[0]) != last_open:
            logger.warning("No candle at %s to judge signal %s", last_open, signal.id)
            continue
        exit_float = float(candles.close[0]) / E8
        exit_price = price(spec, exit_float)
        outcome = judge(signal, exit_price)
        realized = (exit_price - signal.entry) / signal.entry
        updated = Signal.objects.filter(
            pk=signal.pk, outcome=Signal.Outcome.PENDING
        ).update(
            outcome=outcome,
            exit_price=exit_price,
            realized_return=realized.quantize(Decimal("1e-8")),
            evaluated_at=now,
        )
        judged += updated
        logger.info("Signal %s judged %s at %s", signal.id, outcome, exit_price)
    return judged
