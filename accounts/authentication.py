"""Bearer JWT authentication that also asks whether the session is still open."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken

from accounts.claims import SESSION_CLAIM

logger = logging.getLogger(__name__)


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's authentication, plus the session check.

    The user is loaded through the session named by the token's ``sid`` claim, in
    one query on the session's primary key, so logging out, disabling or deleting
    the account refuses the token on its next use. A token without a session
    claim was not issued by this API and is refused.
    """

    def get_user(self, validated_token):
        session_id = validated_token.get(SESSION_CLAIM)
        user_id = validated_token.get(settings.SIMPLE_JWT["USER_ID_CLAIM"])
        if not session_id or not user_id:
            raise InvalidToken("Token has no session.")

        # Imported here: DRF loads this class while reading its settings, which
        # can happen before the app registry is ready.
        from accounts.models import AuthSession

        try:
            session = AuthSession.objects.select_related("user").get(
                pk=session_id, revoked_at__isnull=True
            )
        except (AuthSession.DoesNotExist, ValidationError):
            session = None
        if session is None or str(session.user_id) != str(user_id):
            raise AuthenticationFailed("Session has ended.", code="session_ended")

        user = session.user
        if not user.is_active or user.deleted_at is not None:
            raise AuthenticationFailed("User is inactive.", code="user_inactive")

        # Views reach the session (logout) through the user they are given.
        user.auth_session = session
        return user


class JWTAuthenticationScheme(SimpleJWTScheme):
    """Documents the bearer scheme for drf-spectacular."""

    target_class = "accounts.authentication.JWTAuthentication"
    name = "jwtAuth"
