import logging

from celery import shared_task
from django.conf import settings

from trading.services.store_klines import record_recent

logger = logging.getLogger(__name__)


@shared_task(name="trading.record_klines")
def record_klines():
    """Store the closed minutes of every symbol from MARKET_RECORDER_SOURCE."""
    source = settings.MARKET_RECORDER_SOURCE
    if not source:
        logger.info("Recorder has no source configured; nothing recorded")
        return {}
    added = record_recent(source)
    logger.info("Recorder stored %d candles from %s", sum(added.values()), source)
    return added


@shared_task(name="trading.match_orders")
def match_orders():
    """One matching pass: trigger stops and fill the resting orders the current
    prices cross. Idempotent: an order already filled or canceled is skipped."""
    from trading.services.match import match_all

    return match_all().as_dict()
