"""Backtest runs: inputs validated and stored per user, run as a job, read back."""

import logging
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings

from core.errors import NotFound, ValidationFailed
from core.time import isoformat, to_epoch_ms
from mlsignals import data
from mlsignals.backtest import engine, metrics, strategies
from mlsignals.engine.frames import epoch_ms
from mlsignals.formatting import ms_to_datetime, ms_to_iso
from mlsignals.models import BacktestRun, JobStatus
from mlsignals.services import jobs, training
from trading.market import intervals

logger = logging.getLogger(__name__)

# The most trades a stored result lists (every trade counts in the figures).
# TODO: page through the trades of a run instead of listing only the first 5,000;
# a long 1m range can make more, and they are stored inside the results today.
MAX_TRADES_LISTED = 5000
# A month candle's length for annualising, on average.
MONTH_MS = 2_629_800_000
OPTION_NAMES = (
    "commission",
    "slippage",
    "positionSize",
    "stopLoss",
    "takeProfit",
    "allowShort",
)


def candle_ms(timeframe):
    return intervals.INTERVAL_MS[timeframe] or MONTH_MS


def _bounds(start, end):
    """Epoch ms of the range; a bare date as the end includes that whole day."""
    if not isinstance(start, datetime):
        start = datetime.combine(start, time.min, tzinfo=UTC)
    if not isinstance(end, datetime):
        end = datetime.combine(end, time.min, tzinfo=UTC) + timedelta(days=1)
        return to_epoch_ms(start), to_epoch_ms(end) - 1
    return to_epoch_ms(start), to_epoch_ms(end)


def _model_for(symbol, timeframe, field="strategy"):
    model = training.active_model(symbol, timeframe)
    if model is None:
        raise ValidationFailed(
            field,
            f"No trained signal model for {symbol} {timeframe}; train one first.",
            reason="NO_MODEL",
        )
    return model


def prepare(
    *, symbol, strategy, timeframe, start, end, initial_capital, parameters, options
):
    """Validate a request against the data; answers the run's fields."""
    spec = data.symbol_spec(symbol)
    built = strategies.build(strategy, parameters)
    if strategy == strategies.MlSignal.key:
        _model_for(spec.symbol, timeframe)
    start_ms, end_ms = _bounds(start, end)
    if end_ms < start_ms:
        raise ValidationFailed("endDate", "Must not be before startDate.")

    newest = data.last_closed_open(timeframe)
    first_open = intervals.ceil_open(timeframe, start_ms)
    last_open = min(intervals.floor_open(timeframe, end_ms), newest)
    if first_open > last_open:
        raise ValidationFailed(
            "startDate",
            "No closed candle of the range: it starts after the newest one.",
            reason="NO_DATA",
        )
    count = intervals.count_between(timeframe, first_open, last_open)
    limit = settings.ML_BACKTEST_MAX_CANDLES
    if count > limit:
        raise ValidationFailed(
            "endDate",
            f"The range holds {count} {timeframe} candles; at most {limit} may be "
            "backtested at once (shorten the range or use a longer timeframe).",
            reason="RANGE_TOO_LARGE",
        )
    first = data.first_candle_between(spec, timeframe, first_open, last_open)
    if first is None:
        raise ValidationFailed(
            "startDate",
            "The market data source has no candle in the range.",
            reason="NO_DATA",
        )
    available = intervals.count_between(timeframe, first, last_open)
    needed = built.warmup() + 2
    if available < needed:
        raise ValidationFailed(
            "startDate",
            f"The range holds {available} candles; {strategy} needs at least {needed}.",
            reason="NOT_ENOUGH_DATA",
        )
    return {
        "symbol": spec.symbol,
        "strategy": strategy,
        "timeframe": timeframe,
        "start_at": ms_to_datetime(first_open),
        "end_at": ms_to_datetime(last_open),
        "initial_capital": initial_capital,
        "parameters": built.values,
        "options": {name: options.get(name) for name in OPTION_NAMES},
    }


def start(user, **request):
    """Store the run and start it; answers the run and, embedded, its future."""
    fields = prepare(**request)
    run = BacktestRun.objects.create(user=user, **fields)
    logger.info(
        "Backtest %s of %s %s %s queued for user %s",
        run.id,
        run.strategy,
        run.symbol,
        run.timeframe,
        user.pk,
    )
    from mlsignals import tasks

    return run, jobs.dispatch(tasks.run_backtest, run.id)


def wait(run, future=None, seconds=None):
    if seconds is None:
        seconds = settings.ML_BACKTEST_WAIT_SECONDS
    return jobs.wait(BacktestRun, run.pk, seconds, future)


def for_user(user):
    return BacktestRun.objects.filter(user=user)


def get_for_user(user, job_id):
    run = for_user(user).filter(pk=job_id).first()
    if run is None:
        raise NotFound("No backtest with this id.")
    return run


def execute(run_id):
    """Run a stored backtest (the task's body); idempotent once final."""
    run = jobs.claim(BacktestRun, run_id)
    if run is None:
        return None
    try:
        results = compute(run)
    except ValidationFailed as exc:
        logger.warning("Backtest %s refused: %s", run.id, exc.message)
        jobs.finish(run, JobStatus.FAILED, error=exc.message)
        return JobStatus.FAILED
    except Exception:
        logger.exception("Backtest %s crashed", run.id)
        jobs.finish(run, JobStatus.FAILED, error="The backtest failed unexpectedly.")
        return JobStatus.FAILED
    jobs.finish(run, JobStatus.SUCCEEDED, results=results)
    logger.info(
        "Backtest %s done: %d trades, return %s",
        run.id,
        results["totalTrades"],
        results["totalReturn"],
    )
    return JobStatus.SUCCEEDED


def _decimal(value):
    return None if value in (None, "") else Decimal(str(value))


def settings_of(run, spec):
    options = run.options
    return engine.Settings(
        initial_capital=run.initial_capital,
        commission=_decimal(options.get("commission")),
        slippage=_decimal(options.get("slippage")),
        position_size=_decimal(options.get("positionSize")),
        stop_loss=_decimal(options.get("stopLoss")),
        take_profit=_decimal(options.get("takeProfit")),
        allow_short=bool(options.get("allowShort")),
        quantity_step=spec.step_size,
    )


def compute(run):
    """Read the candles, run the strategy through the engine, answer results."""
    spec = data.symbol_spec(run.symbol)
    context, model_ref = {}, None
    if run.strategy == strategies.MlSignal.key:
        model = _model_for(run.symbol, run.timeframe)
        context["model"] = model.params
        model_ref = {
            "id": str(model.id),
            "version": model.version,
            "trainStart": isoformat(model.train_start),
            "trainEnd": isoformat(model.train_end),
            # Candles the model was fitted on flatter it: say so.
            "overlapsTraining": model.train_end >= run.start_at,
        }
    strategy = strategies.build(run.strategy, run.parameters, context)
    candles = data.candles_between(
        spec, run.timeframe, to_epoch_ms(run.start_at), to_epoch_ms(run.end_at)
    )
    jobs.touch(run)
    frame = data.to_frame(candles)
    if len(frame) < strategy.warmup() + 2:
        raise ValidationFailed("startDate", "Not enough candles in the range.")

    options = settings_of(run, spec)
    result = engine.run(frame, strategy.targets(frame), options)
    figures = metrics.compute(result, frame, options, candle_ms(run.timeframe))
    times = epoch_ms(frame)
    trades = [_trade(trade, times) for trade in result.trades[:MAX_TRADES_LISTED]]
    equity = [
        {"time": ms_to_iso(int(times[bar])), "equity": value}
        for bar, value in engine.equity_points(result, frame)
    ]
    return {
        **figures,
        "firstCandle": ms_to_iso(int(times[0])),
        "lastCandle": ms_to_iso(int(times[-1])),
        "tradesListed": len(trades),
        "model": model_ref,
        "equity": equity,
        "trades": trades,
    }


def _trade(trade, times):
    return {
        "side": trade.side,
        "entryTime": ms_to_iso(int(times[trade.entry_bar])),
        "exitTime": ms_to_iso(int(times[trade.exit_bar])),
        "entryPrice": trade.entry_price,
        "exitPrice": trade.exit_price,
        "quantity": trade.quantity,
        "pnl": trade.pnl,
        "returnPct": (trade.pnl / trade.cost).quantize(Decimal("1e-6")),
        "fees": trade.entry_fee + trade.exit_fee,
        "exitReason": trade.exit_reason,
        "candlesHeld": trade.exit_bar - trade.entry_bar,
    }
