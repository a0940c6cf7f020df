"""The error envelope, the platform's base error and the one handler that renders
every error a client can meet.

Every error answers::

    {"error": {"code", "message", "statusCode", "timestamp", "requestId", "details"}}

``details`` appears on validation errors and maps each field to a list of
``{"code", "message"}`` reasons.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.logging import request_id_var
from core.time import isoformat, utc_now

logger = logging.getLogger(__name__)

BAD_REQUEST = "BAD_REQUEST"
UNAUTHORIZED = "UNAUTHORIZED"
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
NOT_ACCEPTABLE = "NOT_ACCEPTABLE"
CONFLICT = "CONFLICT"
UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
VALIDATION_ERROR = "VALIDATION_ERROR"
RATE_LIMIT_EXCEEDED = "RATE_LIMIT_EXCEEDED"
INTERNAL_ERROR = "INTERNAL_ERROR"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"

_CODE_BY_STATUS = {
    400: BAD_REQUEST,
    401: UNAUTHORIZED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    406: NOT_ACCEPTABLE,
    409: CONFLICT,
    415: UNSUPPORTED_MEDIA_TYPE,
    422: VALIDATION_ERROR,
    429: RATE_LIMIT_EXCEEDED,
    500: INTERNAL_ERROR,
    503: SERVICE_UNAVAILABLE,
}


class APIError(exceptions.APIException):
    """An error with a code clients can match on.

    Apps subclass it (or raise it) with their own codes; the handler renders it.
    """

    status_code = status.HTTP_400_BAD_REQUEST
    code = BAD_REQUEST
    message = "The request cannot be served."

    def __init__(self, message=None, *, code=None, status_code=None, details=None):
        self.message = message or self.message
        self.code = code or self.code
        if status_code is not None:
            self.status_code = status_code
        self.details = details
        super().__init__(self.message)


class NotFound(APIError):
    status_code = status.HTTP_404_NOT_FOUND
    code = NOT_FOUND
    message = "Resource not found."


class Conflict(APIError):
    status_code = status.HTTP_409_CONFLICT
    code = CONFLICT
    message = "The request conflicts with the current state of the resource."


class ServiceUnavailable(APIError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = SERVICE_UNAVAILABLE
    message = "The service is not available."


class ValidationFailed(APIError):
    """A 422 about one field, with a reason code such as ``INSUFFICIENT_BALANCE``."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = VALIDATION_ERROR

    def __init__(self, field, message, *, reason="INVALID"):
        details = {field: [{"code": reason, "message": message}]}
        super().__init__(f"{field}: {message}", details=details)


def envelope(code, message, status_code, details=None):
    body = {
        "code": code,
        "message": message,
        "statusCode": status_code,
        "timestamp": isoformat(utc_now()),
        "requestId": request_id_var.get(),
    }
    if details:
        body["details"] = details
    return {"error": body}


def error_response(code, message, status_code, details=None, headers=None):
    """The envelope as a plain Django response, for middleware and non-DRF views."""
    response = JsonResponse(
        envelope(code, message, status_code, details), status=status_code
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _reasons(detail):
    """DRF's nested error details as ``{field: [{code, message}]}``."""
    if isinstance(detail, dict):
        return {str(key): _reasons(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail) for item in detail):
            return [_reason(item) for item in detail]
        return [_reasons(item) for item in detail]
    return [_reason(detail)]


def _reason(item):
    code = getattr(item, "code", None) or "invalid"
    return {"code": str(code).upper(), "message": str(item)}


def _validation_message(details):
    fields = [key for key in details if key != "nonFieldErrors"]
    if fields:
        return "Invalid value for: " + ", ".join(fields) + "."
    return "The request is not valid."


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error of a DRF view in the envelope."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    # Whatever the error, the request's atomic block must not commit.
    set_rollback()

    headers = {}
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, APIError):
        body = envelope(exc.code, exc.message, exc.status_code, exc.details)
        return Response(body, status=exc.status_code, headers=headers)

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if not isinstance(detail, dict):
            detail = {"nonFieldErrors": detail}
        details = _reasons(detail)
        body = envelope(VALIDATION_ERROR, _validation_message(details), 422, details)
        return Response(body, status=422, headers=headers)

    if isinstance(exc, exceptions.APIException):
        status_code = exc.status_code
        code = _CODE_BY_STATUS.get(status_code, BAD_REQUEST)
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        # simplejwt's InvalidToken carries a dict detail; say it plainly instead.
        if status_code == 401 and not isinstance(exc.detail, str):
            message = "Token is invalid or expired."
        body = envelope(code, str(message), status_code)
        return Response(body, status=status_code, headers=headers)

    request = context.get("request")
    logger.error(
        "Unhandled error in %s %s",
        getattr(request, "method", "?"),
        getattr(request, "path", "?"),
        exc_info=exc,
    )
    return Response(
        envelope(INTERNAL_ERROR, "An unexpected error occurred.", 500), status=500
    )
