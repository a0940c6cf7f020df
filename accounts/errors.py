"""Error codes of the accounts app, which clients can match on."""

from rest_framework import status

from core.errors import APIError

INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
TOTP_REQUIRED = "TOTP_REQUIRED"
INVALID_TOTP_CODE = "INVALID_TOTP_CODE"
UNAUTHORIZED = "UNAUTHORIZED"
OAUTH_FAILED = "OAUTH_FAILED"
OAUTH_NOT_CONFIGURED = "OAUTH_NOT_CONFIGURED"
EMAIL_NOT_VERIFIED = "EMAIL_NOT_VERIFIED"
TWO_FACTOR_ALREADY_ENABLED = "TWO_FACTOR_ALREADY_ENABLED"
TWO_FACTOR_NOT_ENABLED = "TWO_FACTOR_NOT_ENABLED"


class InvalidCredentials(APIError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = INVALID_CREDENTIALS
    message = "Email or password is incorrect"


class TotpRequired(APIError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = TOTP_REQUIRED
    message = "This account has two-factor authentication: send totpCode."


class InvalidTotpCode(APIError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = INVALID_TOTP_CODE
    message = "The two-factor code is not valid."


class InvalidToken(APIError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = UNAUTHORIZED
    message = "Token is invalid or expired."


class OAuthFailed(APIError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = OAUTH_FAILED
    message = "The provider did not confirm this identity."


class OAuthNotConfigured(APIError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = OAUTH_NOT_CONFIGURED
    message = "This login provider is not configured."


class EmailNotVerified(APIError):
    status_code = status.HTTP_409_CONFLICT
    code = EMAIL_NOT_VERIFIED
    message = (
        "An account with this email exists, and the provider did not verify the "
        "email: log in with your password instead."
    )
