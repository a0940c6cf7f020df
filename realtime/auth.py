"""Websocket authentication with the same JWT checks as the REST API."""

import logging
from types import SimpleNamespace

from rest_framework.exceptions import APIException
from rest_framework.settings import api_settings

logger = logging.getLogger(__name__)


def user_for_token(raw_token):
    """The active user a raw access token belongs to, or None.

    Goes through the API's configured authentication class, so a token the REST
    API refuses (expired, tampered, logged out, disabled user) is refused here too.
    """
    if not isinstance(raw_token, str) or not raw_token.strip():
        return None
    request = SimpleNamespace(
        META={"HTTP_AUTHORIZATION": f"Bearer {raw_token.strip()}"}
    )
    for auth_class in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        try:
            result = auth_class().authenticate(request)
        except APIException:
            return None
        if result is not None:
            user = result[0]
            return user if getattr(user, "is_active", False) else None
    return None
