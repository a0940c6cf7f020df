import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="portfolio.snapshot_equity")
def snapshot_equity():
    """Snapshot every account's equity at the current grid instant (idempotent:
    a second run for the same instant stores nothing)."""
    from portfolio.services.snapshots import take_snapshots

    return take_snapshots()
