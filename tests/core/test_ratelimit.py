import time
import uuid

import pytest
from django.test import override_settings

from accounts.services.sessions import start_session
from core.ratelimit import group_for

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls")]


def fresh_ip():
    """A client address no earlier test has used, so its counter starts at zero."""
    return (
        f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    )


# Hourly windows: a window rolling over in the middle of a test is then unlikely.
LIMITS = {"general": "3/h", "auth": "2/h", "trading": "4/h", "ml": "5/h"}


@override_settings(RATE_LIMITS=LIMITS)
def test_headers_count_down_then_429_with_retry_after(client):
    ip = fresh_ip()
    remaining = []
    for _ in range(3):
        response = client.get("/api/ping", REMOTE_ADDR=ip)
        assert response.status_code == 200
        assert response["X-RateLimit-Limit"] == "3"
        remaining.append(int(response["X-RateLimit-Remaining"]))
        reset = int(response["X-RateLimit-Reset"])
        assert time.time() <= reset <= time.time() + 3601

    assert remaining == [2, 1, 0]

    blocked = client.get("/api/ping", REMOTE_ADDR=ip)
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert blocked.json()["error"]["statusCode"] == 429
    assert 1 <= int(blocked["Retry-After"]) <= 3600
    assert blocked["X-RateLimit-Remaining"] == "0"


@override_settings(RATE_LIMITS=LIMITS)
def test_another_client_has_its_own_budget(client):
    first, second = fresh_ip(), fresh_ip()
    for _ in range(4):
        client.get("/api/ping", REMOTE_ADDR=first)

    assert client.get("/api/ping", REMOTE_ADDR=first).status_code == 429
    assert client.get("/api/ping", REMOTE_ADDR=second).status_code == 200


@override_settings(RATE_LIMITS=LIMITS)
def test_an_authenticated_user_is_counted_per_user_not_per_ip(client, user):
    token = f"Bearer {start_session(user)['accessToken']}"
    for _ in range(3):
        response = client.get(
            "/api/test/protected", REMOTE_ADDR=fresh_ip(), HTTP_AUTHORIZATION=token
        )
        assert response.status_code == 200

    response = client.get(
        "/api/test/protected", REMOTE_ADDR=fresh_ip(), HTTP_AUTHORIZATION=token
    )
    assert response.status_code == 429


@override_settings(RATE_LIMITS=LIMITS)
def test_groups_have_their_own_limits(client):
    ip = fresh_ip()

    auth = client.post("/api/auth/nothing-here", REMOTE_ADDR=ip)
    ml = client.get("/api/ml/nothing-here", REMOTE_ADDR=ip)
    trading = client.get("/api/trading/nothing-here", REMOTE_ADDR=ip)

    assert auth["X-RateLimit-Limit"] == "2"
    assert ml["X-RateLimit-Limit"] == "5"
    assert trading["X-RateLimit-Limit"] == "4"
    # Those did not spend the general budget.
    assert client.get("/api/ping", REMOTE_ADDR=ip)["X-RateLimit-Remaining"] == "2"


def test_group_for_picks_the_most_specific_prefix():
    assert group_for("/api/auth/login") == "auth"
    assert group_for("/api/trading/orders") == "trading"
    assert group_for("/api/ml/signals/BTCUSDT") == "ml"
    assert group_for("/api/portfolio/") == "general"


@override_settings(RATE_LIMITS=LIMITS)
def test_health_is_not_counted(client):
    ip = fresh_ip()
    for _ in range(10):
        response = client.get("/api/health", REMOTE_ADDR=ip)
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response


@override_settings(RATE_LIMITS=LIMITS, RATE_LIMIT_TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(client):
    proxy = fresh_ip()
    for _ in range(3):
        client.get("/api/ping", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=fresh_ip())

    response = client.get(
        "/api/ping", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=fresh_ip()
    )
    assert response.status_code == 200


@pytest.mark.redis
@override_settings(RATE_LIMITS=LIMITS)
def test_counters_live_in_redis_in_service_mode(client, settings):
    from django.core.cache import cache

    assert "RedisCache" in settings.CACHES["default"]["BACKEND"]
    ip = fresh_ip()
    client.get("/api/ping", REMOTE_ADDR=ip)

    prefix = settings.CACHES["default"]["KEY_PREFIX"].encode()
    stored = cache._cache.get_client().keys(prefix + b"*")
    assert any(b":rl:" in key for key in stored)
