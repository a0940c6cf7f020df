"""Request context: the request id, the access log and the last-resort 500."""

import logging
import re
import time
import uuid

from core import errors
from core.logging import request_id_var

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("core.access")

# A client's id is kept only if it is safe to echo into headers and logs.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _request_id(request):
    supplied = request.headers.get("X-Request-ID", "")
    if _VALID_REQUEST_ID.match(supplied):
        return supplied
    return uuid.uuid4().hex


def _user_id(request):
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return str(user.pk)
    return "-"


def _release(request, response):
    """Break the reference cycles a finished request leaves behind, so that its
    objects go with the response rather than at the garbage collector's next
    full pass, which holds every thread of a busy worker for 20-40 ms.

    The cycles: DRF's view, request and response through the rendering
    context, the view through its own bound methods, and Django's request
    through its messages storage and its lazy user. The response is rendered
    and every inner middleware is done by now.
    """
    context = getattr(response, "renderer_context", None)
    if context:
        view = context.get("view")
        drf_request = context.get("request")
        if drf_request is not None:
            drf_request.parser_context = None
        if view is not None:
            # Its request, its response, and the ``head = get`` bound method
            # Django's View.setup gives it.
            view.__dict__.clear()
        response.renderer_context = None
    for name in ("_messages", "auser", "user"):
        request.__dict__.pop(name, None)


class RequestContextMiddleware:
    """Gives each request an id, echoes it as ``X-Request-ID`` and logs one line.

    The id comes from the client's ``X-Request-ID`` when it sends a sane one, so a
    front end can follow its own request through our logs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _request_id(request)
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            access_logger.info(
                "%s %s %s %.1fms user=%s",
                request.method,
                request.path,
                response.status_code,
                (time.perf_counter() - started) * 1000,
                _user_id(request),
            )
            _release(request, response)
            return response
        finally:
            request_id_var.reset(token)

    def process_exception(self, request, exception):
        """Errors outside DRF views still answer the envelope under ``/api``."""
        if not request.path.startswith("/api/"):
            return None
        logger.error(
            "Unhandled error in %s %s",
            request.method,
            request.path,
            exc_info=exception,
        )
        return errors.error_response(
            errors.INTERNAL_ERROR, "An unexpected error occurred.", 500
        )
