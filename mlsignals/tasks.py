import logging

from celery import shared_task

from mlsignals.services import signals

logger = logging.getLogger(__name__)


@shared_task(name="mlsignals.evaluate_signals")
def evaluate_signals():
    """Judge the signals whose horizon has passed (idempotent)."""
    judged = signals.evaluate_due()
    logger.info("Judged %d signals", judged)
    return judged
