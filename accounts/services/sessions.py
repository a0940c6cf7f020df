"""JWT sessions: issue a pair, rotate it, end it.

A session row backs each login. Access tokens carry its id (``sid``) and the
authentication class checks that the session is still open, so logging out,
disabling or deleting an account stops its access tokens at once rather than when
they expire. Refresh tokens are rotated: each is good for one exchange, and the
old one is blacklisted in simplejwt's blacklist.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from rest_framework_simplejwt.exceptions import TokenBackendError
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import (
    BlacklistedToken,
    OutstandingToken,
)
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.claims import SESSION_CLAIM
from accounts.errors import InvalidToken
from accounts.models import AuditEvent, AuthSession
from accounts.services import audit
from accounts.signals import sessions_ended
from core.time import utc_now

logger = logging.getLogger(__name__)

# A rotated refresh token presented again within this many seconds is taken for a
# client retrying or two tabs racing; later, for a stolen token, which ends the
# session.
REUSE_GRACE_SECONDS = 30


def access_lifetime_seconds():
    return int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds())


def _user_claim():
    return settings.SIMPLE_JWT["USER_ID_CLAIM"]


def _new_refresh(user, session_id):
    token = RefreshToken()
    token[_user_claim()] = str(user.pk)
    token[SESSION_CLAIM] = str(session_id)
    return token


def _outstand(token, user):
    OutstandingToken.objects.create(
        user=user,
        jti=token["jti"],
        token=str(token),
        created_at=token.current_time,
        expires_at=datetime_from_epoch(token["exp"]),
    )


def _pair(refresh):
    return {
        "accessToken": str(refresh.access_token),
        "refreshToken": str(refresh),
        "expiresIn": access_lifetime_seconds(),
    }


def _blacklist_jtis(jtis):
    for outstanding in OutstandingToken.objects.filter(jti__in=jtis):
        BlacklistedToken.objects.get_or_create(token=outstanding)


def start_session(user, *, method="password", client=audit.NO_CLIENT):
    """A new session for ``user`` and its first pair of tokens."""
    session = AuthSession(
        user=user,
        method=method,
        ip=client.ip,
        user_agent=(client.user_agent or "")[:256],
    )
    refresh = _new_refresh(user, session.id)
    session.refresh_jti = refresh["jti"]
    session.expires_at = datetime_from_epoch(refresh["exp"])

    with transaction.atomic():
        session.save()
        _outstand(refresh, user)
        user.last_login = utc_now()
        user.save(update_fields=["last_login"])

    logger.info("Session %s started for user %s by %s", session.id, user.pk, method)
    return _pair(refresh)


def _refresh_failed(reason, client, user=None, session_id=None):
    audit.record(
        AuditEvent.TOKEN_REFRESH_FAILED,
        f"Refresh token refused: {reason}",
        user=user,
        client=client,
        reason=reason,
        sessionId=str(session_id) if session_id else None,
    )
    return InvalidToken()


def rotate(raw_refresh, *, client=audit.NO_CLIENT):
    """Exchange a refresh token for a new pair; the old one is spent.

    Two requests racing with the same token both pass the signature check; the
    conditional update on ``refresh_jti`` lets exactly one of them move the
    session on, whatever the database, and the other is refused.
    """
    try:
        payload = token_backend.decode(raw_refresh, verify=True)
    except TokenBackendError:
        raise _refresh_failed("invalid or expired", client)

    jti = payload.get("jti")
    session_id = payload.get(SESSION_CLAIM)
    if payload.get("token_type") != "refresh" or not jti or not session_id:
        raise _refresh_failed("not a session refresh token", client)

    session = AuthSession.objects.select_related("user").filter(pk=session_id).first()
    if session is None or str(session.user_id) != str(payload.get(_user_claim())):
        raise _refresh_failed("unknown session", client, session_id=session_id)
    user = session.user
    if not session.is_active or not user.is_active or user.deleted_at:
        raise _refresh_failed("session ended", client, user, session.id)

    now = utc_now()
    new = _new_refresh(user, session.id)
    with transaction.atomic():
        won = AuthSession.objects.filter(
            pk=session.id, refresh_jti=jti, revoked_at__isnull=True
        ).update(
            refresh_jti=new["jti"],
            rotated_at=now,
            expires_at=datetime_from_epoch(new["exp"]),
        )
        if won:
            _outstand(new, user)
            _blacklist_jtis([jti])

    if not won:
        _handle_reuse(session, jti, now, client)
        raise _refresh_failed("already used", client, user, session.id)

    logger.info("Session %s rotated its refresh token", session.id)
    return _pair(new)


def _handle_reuse(session, jti, now, client):
    session.refresh_from_db()
    if session.revoked_at is not None:
        return
    recently = session.rotated_at and now - session.rotated_at < timedelta(
        seconds=REUSE_GRACE_SECONDS
    )
    if recently:
        logger.info("Session %s: refresh token raced its rotation", session.id)
        return
    logger.warning(
        "Session %s: spent refresh token %s presented again; ending the session",
        session.id,
        jti,
    )
    revoke(session, reason="refresh_reuse")


def revoke(session, *, reason):
    """End one session: its access tokens stop now, its refresh token is spent."""
    with transaction.atomic():
        ended = AuthSession.objects.filter(
            pk=session.pk, revoked_at__isnull=True
        ).update(revoked_at=utc_now(), revoke_reason=reason)
        _blacklist_jtis([session.refresh_jti])
    if ended:
        logger.info("Session %s ended: %s", session.pk, reason)
        _announce([session.pk], session.user_id)
    return bool(ended)


def revoke_all(user, *, reason):
    """End every open session of ``user`` (disabled, deleted, 2FA changes)."""
    with transaction.atomic():
        open_sessions = AuthSession.objects.select_for_update().filter(
            user=user, revoked_at__isnull=True
        )
        ended = list(open_sessions.values_list("pk", "refresh_jti"))
        count = open_sessions.update(revoked_at=utc_now(), revoke_reason=reason)
        _blacklist_jtis([jti for _, jti in ended])
    logger.info("Ended %s sessions of user %s: %s", count, user.pk, reason)
    _announce([pk for pk, _ in ended], user.pk)
    return count


def _announce(session_ids, user_id):
    """Tell listeners (the realtime feed) once the sessions' end is committed."""
    if not session_ids:
        return
    ids = [str(pk) for pk in session_ids]
    transaction.on_commit(
        lambda: sessions_ended.send(
            sender=AuthSession, session_ids=ids, user_id=str(user_id)
        )
    )


def logout(session, *, client=audit.NO_CLIENT):
    revoke(session, reason="logout")
    audit.record(
        AuditEvent.LOGOUT,
        "Logged out",
        user=session.user,
        client=client,
        sessionId=str(session.pk),
    )
