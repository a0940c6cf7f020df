"""The audit trail of security and admin events."""

import logging
from dataclasses import dataclass

from accounts.models import AuditEvent, AuditLevel, AuditLog

logger = logging.getLogger(__name__)

WARNING_EVENTS = {
    AuditEvent.LOGIN_FAILED,
    AuditEvent.OAUTH_FAILED,
    AuditEvent.TOKEN_REFRESH_FAILED,
    AuditEvent.TOTP_FAILED,
}


@dataclass(frozen=True)
class Client:
    """Where a request came from, as far as the audit trail cares."""

    ip: str | None = None
    user_agent: str = ""


NO_CLIENT = Client()


def record(
    event, message, *, user=None, actor=None, client=NO_CLIENT, level=None, **data
):
    """Write one audit entry; ``data`` must hold no secrets or tokens.

    Call it outside the transaction of the change it reports when the change may
    roll back (a failed login raises after this), so that the entry stays.
    """
    if level is None:
        level = AuditLevel.WARNING if event in WARNING_EVENTS else AuditLevel.INFO
    entry = AuditLog.objects.create(
        event=event,
        level=level,
        message=message[:255],
        user=user,
        actor=actor,
        ip=client.ip,
        user_agent=(client.user_agent or "")[:256],
        data=data,
    )
    logger.info(
        "audit %s user=%s actor=%s ip=%s",
        event,
        getattr(user, "pk", None),
        getattr(actor, "pk", None),
        client.ip,
    )
    return entry
