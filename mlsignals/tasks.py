import logging

from celery import shared_task

from mlsignals.services import backtests, jobs, registry, signals

logger = logging.getLogger(__name__)


@shared_task(name="mlsignals.evaluate_signals")
def evaluate_signals():
    """Judge the signals whose horizon has passed (idempotent)."""
    judged = signals.evaluate_due()
    logger.info("Judged %d signals", judged)
    return judged


# Jobs are acknowledged once done and handed to another worker when theirs dies
# (the settings say so for every task; said again here for these two).


@shared_task(name="mlsignals.run_backtest", acks_late=True, reject_on_worker_lost=True)
def run_backtest(run_id):
    """Run a stored backtest (idempotent once it is final)."""
    return backtests.execute(run_id)


@shared_task(
    name="mlsignals.retrain_models", acks_late=True, reject_on_worker_lost=True
)
def retrain_models(job_id):
    """Retrain the job's models, resuming after those an earlier attempt did."""
    job = registry.execute(job_id)
    return str(job) if job else None


@shared_task(name="mlsignals.retrain_scheduled")
def retrain_scheduled():
    """The periodic retraining of every live model."""
    job = registry.scheduled()
    return str(job) if job else None


@shared_task(name="mlsignals.sweep_jobs")
def sweep_jobs():
    """Fail the jobs whose worker was lost and that no redelivery took over."""
    swept = jobs.sweep()
    if swept:
        logger.warning("Swept %d lost jobs", swept)
    return swept
