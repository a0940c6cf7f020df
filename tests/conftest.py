import os
import socket

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import User

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_configure(config):
    if REQUIRE_SERVICES and not settings.REDIS_URL:
        raise pytest.UsageError("REQUIRE_SERVICES=1 but REDIS_URL is not set")
    if REQUIRE_SERVICES and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        raise pytest.UsageError("REQUIRE_SERVICES=1 but DATABASE_URL is not set")
    if REQUIRE_SERVICES:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            raise pytest.UsageError(f"REQUIRE_SERVICES=1 but Redis is down: {exc}")


def pytest_collection_modifyitems(config, items):
    """Service tests skip in the embedded mode, and can only fail in service CI."""
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    for item in items:
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="needs REDIS_URL (service mode)"))
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (service mode)"))


def _is_transactional(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    ):
        return True
    return "transactional_db" in request.fixturenames or "live_server" in (
        request.fixturenames
    )


@pytest.fixture(autouse=True)
def _migration_data(request):
    """Transactional tests empty every table afterwards, and with them the rows
    migrations created (the tradable symbols); each such test gets them back."""
    if not _is_transactional(request):
        yield
        return
    request.getfixturevalue("transactional_db")
    from trading.catalog import ensure_default_symbols
    from trading.market import symbols
    from trading.models import Symbol

    ensure_default_symbols(Symbol)
    symbols.clear_cache()
    yield


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def user(db):
    return User.objects.create_user(
        "trader@example.com", "a-Strong-pass-42", first_name="Tess", last_name="Trader"
    )


@pytest.fixture
def auth_client(user):
    # Tokens come from a login session: the API refuses tokens without one.
    from accounts.services.sessions import start_session

    client = APIClient()
    access = start_session(user)["accessToken"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


@pytest.fixture
def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
