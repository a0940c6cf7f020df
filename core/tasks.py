import logging

from celery import shared_task
from django.contrib.sessions.models import Session

from core.time import utc_now

logger = logging.getLogger(__name__)


@shared_task(name="core.clear_expired_sessions")
def clear_expired_sessions():
    """Delete admin sessions past their expiry so the table does not grow forever."""
    deleted, _ = Session.objects.filter(expire_date__lt=utc_now()).delete()
    logger.info("Cleared %d expired sessions", deleted)
    return deleted
