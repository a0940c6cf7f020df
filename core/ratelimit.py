"""Rate limits by route group, counted in the cache with django-ratelimit.

Each ``/api`` request falls in one group (auth, trading, ml, or general) and is
counted per user when it carries a valid access token, otherwise per client IP.
Every counted response carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``
and ``X-RateLimit-Reset`` (epoch seconds); a request over the limit answers 429
``RATE_LIMIT_EXCEEDED`` with ``Retry-After``.
"""

import logging
import time

from django.conf import settings
from django_ratelimit.core import get_usage
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from core import errors

logger = logging.getLogger(__name__)

# The most specific prefix wins. Health is left out so that load balancers and
# monitors can poll it without eating the clients' budget.
GROUP_PREFIXES = (
    ("/api/auth/", "auth"),
    ("/api/trading/", "trading"),
    ("/api/ml/", "ml"),
)
EXEMPT_PATHS = ("/api/health",)


def group_for(path):
    for prefix, group in GROUP_PREFIXES:
        if path.startswith(prefix):
            return group
    return "general"


def client_ip(request):
    trusted = settings.RATE_LIMIT_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= trusted:
            return hops[-trusted]
    return request.META.get("REMOTE_ADDR", "unknown")


def client_key(group, request):
    """``user:<id>`` for a valid bearer token, else ``ip:<address>``.

    The token is only verified here (signature and expiry), not looked up: the view
    still authenticates it properly.
    """
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.startswith("Bearer "):
        try:
            token = AccessToken(header[7:].strip())
            return f"user:{token[settings.SIMPLE_JWT['USER_ID_CLAIM']]}"
        except (TokenError, KeyError):
            pass
    return f"ip:{client_ip(request)}"


# After the store fails, requests go uncounted for this long instead of each one
# waiting for the connection timeout.
STORE_RETRY_SECONDS = 5


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.store_down_until = 0.0

    def __call__(self, request):
        path = request.path
        if (
            not settings.RATE_LIMIT_ENABLED
            or not path.startswith("/api/")
            or path.startswith(EXEMPT_PATHS)
            or request.method == "OPTIONS"
            or time.monotonic() < self.store_down_until
        ):
            return self.get_response(request)

        group = group_for(path)
        rate = settings.RATE_LIMITS[group]
        key = client_key(group, request)
        try:
            usage = get_usage(
                request, group=group, key=lambda *_: key, rate=rate, increment=True
            )
        except Exception:
            # The limiter's store being down must not take the API down with it.
            logger.warning(
                "Rate limit store unavailable; not counting for %ss",
                STORE_RETRY_SECONDS,
                exc_info=True,
            )
            self.store_down_until = time.monotonic() + STORE_RETRY_SECONDS
            return self.get_response(request)

        if usage is None:
            return self.get_response(request)

        limit = usage["limit"]
        reset = int(time.time()) + max(usage["time_left"], 0)
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(limit - usage["count"], 0)),
            "X-RateLimit-Reset": str(reset),
        }

        if usage["should_limit"]:
            retry_after = max(usage["time_left"], 1)
            logger.info("Rate limit hit: group=%s key=%s", group, key)
            headers["Retry-After"] = str(retry_after)
            return errors.error_response(
                errors.RATE_LIMIT_EXCEEDED,
                f"Too many requests; retry in {retry_after} seconds.",
                429,
                headers=headers,
            )

        response = self.get_response(request)
        for name, value in headers.items():
            response[name] = value
        return response
