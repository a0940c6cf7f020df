"""Bearer JWT authentication that also asks whether the session is still open."""

import hashlib
import logging
import threading
import time
import uuid

from django.conf import settings
from django.db import connection
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken

from accounts.claims import SESSION_CLAIM
from core import db

logger = logging.getLogger(__name__)


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's authentication, plus the session check.

    The user is loaded through the session named by the token's ``sid`` claim, in
    one query on the session's primary key, so logging out, disabling or deleting
    the account refuses the token on its next use. A token without a session
    claim was not issued by this API and is refused.
    """

    def get_validated_token(self, raw_token):
        # Checking a signature costs more than the session query; a token
        # checked once is kept (by its digest) until its expiry, and its
        # session is still asked about on every request.
        key = hashlib.blake2b(raw_token, digest_size=16).digest()
        found = _verified.get(key)
        if found is not None:
            token, expires_at = found
            if time.time() < expires_at:
                return token
            _verified.pop(key)
        token = super().get_validated_token(raw_token)
        expires_at = token.payload.get("exp")
        if isinstance(expires_at, int | float):
            _verified.put(key, (token, expires_at))
        return token

    def get_user(self, validated_token):
        session_id = validated_token.get(SESSION_CLAIM)
        user_id = validated_token.get(settings.SIMPLE_JWT["USER_ID_CLAIM"])
        if not session_id or not user_id:
            raise InvalidToken("Token has no session.")

        user = open_session_user(session_id, user_id)
        if user is None:
            raise AuthenticationFailed("Session has ended.", code="session_ended")
        if not user.is_active or user.deleted_at is not None:
            raise AuthenticationFailed("User is inactive.", code="user_inactive")

        # Views reach the session (logout) through the user they are given.
        user.auth_session_id = session_id
        return user


class _VerifiedTokens:
    """Access tokens whose signature and type were checked, by digest; bounded,
    emptied whole when full (a token is then only checked again)."""

    LIMIT = 10_000

    def __init__(self):
        self.tokens = {}
        self.lock = threading.Lock()

    def get(self, key):
        return self.tokens.get(key)

    def put(self, key, token):
        with self.lock:
            if len(self.tokens) >= self.LIMIT:
                self.tokens.clear()
            self.tokens[key] = token

    def pop(self, key):
        with self.lock:
            self.tokens.pop(key, None)


_verified = _VerifiedTokens()
_open_session_sql = None


def open_session_user(session_id, user_id):
    """The user of an open session, in one query that every request pays.

    Hand-written and prepared (:mod:`core.db`): building this join through the
    ORM costs several times more than running it, and every request pays it.
    """
    global _open_session_sql

    # Imported here: DRF loads this module while reading its settings, which can
    # happen before the app registry is ready.
    from accounts.models import AuthSession, User

    if _open_session_sql is None:
        _open_session_sql = (
            f"SELECT {db.select_columns(User, 'u')}"
            f" FROM {connection.ops.quote_name(User._meta.db_table)} u"
            f" INNER JOIN {connection.ops.quote_name(AuthSession._meta.db_table)} s"
            " ON s.user_id = u.id"
            " WHERE s.id = %s AND s.user_id = %s AND s.revoked_at IS NULL"
        )
    try:
        params = [
            AuthSession._meta.pk.get_db_prep_value(
                uuid.UUID(str(session_id)), connection
            ),
            User._meta.pk.get_db_prep_value(uuid.UUID(str(user_id)), connection),
        ]
    except ValueError:
        return None
    found = db.instances(User, db.Reading(_open_session_sql, params).rows())
    return found[0] if found else None


class JWTAuthenticationScheme(SimpleJWTScheme):
    """Documents the bearer scheme for drf-spectacular."""

    target_class = "accounts.authentication.JWTAuthentication"
    name = "jwtAuth"
