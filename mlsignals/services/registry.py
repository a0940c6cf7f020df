"""The model registry and retraining: a new version goes live only if it beats
the live one out of sample, and every version is kept.

A model is named by its key ``name:symbol:timeframe``. Retraining fits a
candidate on the newest candles (as the first training did), then scores the
candidate and the live version on the same candles: those that come after both
versions' training windows by at least the label horizon, so neither has seen
them or their outcomes. The candidate goes live when its log loss there is
lower; otherwise it is stored as rejected, with the comparison, and the live
version stays.
"""

import logging
import time

import numpy as np
from django.db import transaction
from django.db.models import Max

from core.errors import ValidationFailed
from core.time import isoformat, utc_now
from mlsignals import data
from mlsignals.engine import signals as engine
from mlsignals.models import JobStatus, RetrainJob, SignalModel
from mlsignals.services import jobs, training

logger = logging.getLogger(__name__)

# TODO: the price forecast (damped-trend smoothing) is fitted per request and
# not stored, so the registry lists only the signal models; registering it would
# give the MAPE-measured model a row and a retraining of its own.

# Fewer unseen candles than this cannot tell two models apart: keep the live one.
MIN_COMPARE_ROWS = 100
LIVE, RETIRED, REJECTED = "LIVE", "RETIRED", "REJECTED"
PROMOTED, KEPT, FAILED = "PROMOTED", "KEPT", "FAILED"


def key_of(model):
    return f"{model.name}:{model.symbol}:{model.timeframe}"


def status_of(model):
    if model.is_active:
        return LIVE
    return RETIRED if model.promoted_at else REJECTED


def versions(symbol=None, timeframe=None, status=None):
    rows = SignalModel.objects.all()
    if symbol:
        rows = rows.filter(symbol=symbol.upper())
    if timeframe:
        rows = rows.filter(timeframe=timeframe)
    if status == LIVE:
        rows = rows.filter(is_active=True)
    elif status == RETIRED:
        rows = rows.filter(is_active=False, promoted_at__isnull=False)
    elif status == REJECTED:
        rows = rows.filter(is_active=False, promoted_at__isnull=True)
    return rows


def live_keys():
    rows = SignalModel.objects.filter(is_active=True).order_by(
        "name", "symbol", "timeframe"
    )
    return list(dict.fromkeys(key_of(model) for model in rows))


def start_retrain(user=None, keys=None, trigger=RetrainJob.Trigger.API):
    """Create the job (all live models, or the named ones) and start it."""
    known = live_keys()
    if keys:
        unknown = [key for key in keys if key not in known]
        if unknown:
            raise ValidationFailed(
                "models",
                f"No live model {', '.join(unknown)}; known: {', '.join(known)}.",
                reason="UNKNOWN_MODEL",
            )
        targets = list(dict.fromkeys(keys))
    else:
        targets = known
    if not targets:
        raise ValidationFailed("models", "There is no trained model to retrain.")
    job = RetrainJob.objects.create(requested_by=user, trigger=trigger, targets=targets)
    logger.info(
        "Retrain job %s (%s) of %d models queued", job.id, trigger, len(targets)
    )
    return job


def dispatch(job):
    from mlsignals import tasks

    return jobs.dispatch(tasks.retrain_models, job.id)


def execute(job_id):
    """Retrain each target of the job (the task's body).

    Models already done by an earlier attempt of the job keep their result, so a
    job retried after a lost worker resumes where it stopped.
    """
    job = jobs.claim(RetrainJob, job_id)
    if job is None:
        return None
    results = list(job.results)
    done = {entry["model"] for entry in results}
    for key in job.targets:
        if key in done:
            continue
        try:
            entry = retrain_one(key, job)
        except Exception as exc:
            logger.exception("Retraining %s in job %s failed", key, job.id)
            message = exc.message if isinstance(exc, ValidationFailed) else str(exc)
            entry = {"model": key, "status": FAILED, "error": message}
        results.append(entry)
        jobs.touch(job, results=results, done=len(results))
    failed = all(entry["status"] == FAILED for entry in results)
    jobs.finish(
        job,
        JobStatus.FAILED if failed else JobStatus.SUCCEEDED,
        error="Every model failed to retrain." if failed else "",
        results=results,
        done=len(results),
    )
    return job.id


def _compare_rows(frame, horizon, *train_ends):
    """Rows with features and an outcome, ``horizon`` candles past every
    training window."""
    x = engine.features(frame)
    y = engine.outcomes(frame["close"].to_numpy(dtype="float64"), horizon)
    # Candles up to the later training end, which either version may have seen.
    seen = int((frame["open_time"] <= max(train_ends)).sum())
    usable = np.flatnonzero(~np.isnan(x).any(axis=1) & ~np.isnan(y))
    rows = usable[usable >= seen + horizon]
    return x, y, rows


def retrain_one(key, job):
    """Fit a candidate for ``key``, compare it with the live version, store it."""
    started = time.perf_counter()
    name, symbol, timeframe = key.split(":")
    previous = SignalModel.objects.filter(retrain_job=job, name=name, symbol=symbol)
    previous = previous.filter(timeframe=timeframe).first()
    if previous is not None:
        # An earlier attempt of this job stored it before its worker was lost.
        return _entry(key, previous)

    spec = data.symbol_spec(symbol)
    live = training.active_model(symbol, timeframe)
    frame = data.frame(
        spec, timeframe, live.candles if live else training.TRAIN_CANDLES
    )
    params = engine.train(frame)
    train_start, train_end = params.pop("trainStart"), params.pop("trainEnd")
    fitted = {
        "inSample": params.pop("inSample"),
        "outOfSample": params.pop("outOfSample"),
    }
    horizon = int(params["horizon"])

    comparison = {"liveVersion": None, "promoted": True, "reason": "first version"}
    if live is not None:
        x, y, rows = _compare_rows(frame, horizon, train_end, live.train_end)
        comparison = {"liveVersion": live.version, "rows": int(len(rows))}
        if len(rows) < MIN_COMPARE_ROWS:
            comparison.update(
                promoted=False,
                reason=f"only {len(rows)} candles unseen by both versions; at least "
                f"{MIN_COMPARE_ROWS} are needed to compare them",
            )
        else:
            mine = engine.score(engine.predict(params, x[rows]), y[rows])
            theirs = engine.score(engine.predict(live.params, x[rows]), y[rows])
            promoted = mine["logLoss"] < theirs["logLoss"]
            times = frame["open_time"]
            comparison.update(
                start=isoformat(times.iloc[int(rows[0])].to_pydatetime()),
                end=isoformat(times.iloc[int(rows[-1])].to_pydatetime()),
                candidate=mine,
                live=theirs,
                promoted=promoted,
                reason="lower out-of-sample log loss than the live version"
                if promoted
                else "no lower out-of-sample log loss than the live version",
            )

    now = utc_now()
    with transaction.atomic():
        # Lock the versions so that two retrainings cannot both go live.
        siblings = SignalModel.objects.select_for_update().filter(
            name=name, symbol=symbol, timeframe=timeframe
        )
        version = (siblings.aggregate(top=Max("version"))["top"] or 0) + 1
        if comparison["promoted"]:
            siblings.filter(is_active=True).update(is_active=False)
        model = SignalModel.objects.create(
            name=name,
            kind=training.MODEL_KIND,
            symbol=symbol,
            timeframe=timeframe,
            version=version,
            params=params,
            metrics=fitted,
            train_start=train_start,
            train_end=train_end,
            candles=len(frame),
            is_active=comparison["promoted"],
            promoted_at=now if comparison["promoted"] else None,
            comparison=comparison,
            retrain_job=job,
        )
    logger.info(
        "Retrained %s v%d in %.0fms: %s (%s)",
        key,
        version,
        (time.perf_counter() - started) * 1000,
        PROMOTED if comparison["promoted"] else KEPT,
        comparison["reason"],
    )
    return _entry(key, model)


def _entry(key, model):
    comparison = model.comparison or {}
    return {
        "model": key,
        "status": PROMOTED if model.is_active or model.promoted_at else KEPT,
        "version": model.version,
        "liveVersion": comparison.get("liveVersion"),
        "reason": comparison.get("reason", ""),
        "candidateLogLoss": (comparison.get("candidate") or {}).get("logLoss"),
        "liveLogLoss": (comparison.get("live") or {}).get("logLoss"),
        "comparedCandles": comparison.get("rows"),
    }


def scheduled():
    """The periodic retraining of every live model, run where it is called."""
    if not live_keys():
        logger.info("Scheduled retraining: no model yet")
        return None
    job = start_retrain(trigger=RetrainJob.Trigger.SCHEDULE)
    return execute(job.id)


def _figures(fit):
    if not fit:
        return None
    base_rate = fit.get("baseRate", 0.5)
    return {
        "samples": fit.get("samples"),
        "accuracy": fit.get("accuracy"),
        "logLoss": fit.get("logLoss"),
        "auc": fit.get("auc"),
        "brier": fit.get("brier"),
        "baseline": {
            "accuracy": max(base_rate, 1 - base_rate),
            "logLoss": fit.get("baseLogLoss"),
            "brier": fit.get("baseBrier"),
        },
    }


def describe(model):
    """A version as the registry shows it."""
    return {
        "id": model.id,
        "key": key_of(model),
        "name": model.name,
        "kind": model.kind,
        "symbol": model.symbol,
        "timeframe": model.timeframe,
        "version": model.version,
        "status": status_of(model),
        "parameters": model.params,
        "trainingWindow": {
            "start": isoformat(model.train_start),
            "end": isoformat(model.train_end),
            "candles": model.candles,
        },
        "outOfSample": _figures(model.metrics.get("outOfSample")),
        "inSample": _figures(model.metrics.get("inSample")),
        "comparison": model.comparison,
        "createdAt": model.created_at,
        "promotedAt": model.promoted_at,
    }
