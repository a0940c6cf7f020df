import shutil
import subprocess
import time

import pytest
import redis
from django.db import connection
from django.test import override_settings

from core import health

pytestmark = pytest.mark.django_db


def test_it_reports_every_documented_service(client):
    response = client.get("/api/health")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "timestamp", "services", "uptime"}
    assert set(body["services"]) == {
        "database",
        "redis",
        "mlEngine",
        "llmAgent",
        "tradingAgents",
    }
    assert body["services"]["database"] == "healthy"
    assert body["status"] == "healthy"
    assert body["timestamp"].endswith("Z")
    assert isinstance(body["uptime"], int) and body["uptime"] >= 0


def test_redis_reads_embedded_without_redis_url(client, settings):
    settings.REDIS_URL = ""

    assert client.get("/api/health").json()["services"]["redis"] == "embedded"


@pytest.fixture
def private_redis(free_port):
    """A Redis server of this test's own, so that it can really be stopped."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed for this test"
    process = subprocess.Popen(
        [binary, "--port", str(free_port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{free_port}/0"
    deadline = time.monotonic() + 5
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield url, process
    process.kill()
    process.wait()


def test_health_is_degraded_when_redis_stops(client, private_redis):
    url, process = private_redis
    with override_settings(REDIS_URL=url):
        before = client.get("/api/health").json()
        process.terminate()
        process.wait()
        after = client.get("/api/health")

    assert before["services"]["redis"] == "healthy"
    assert before["status"] == "healthy"
    assert after.status_code == 200
    assert after.json()["services"]["redis"] == "unhealthy"
    assert after.json()["status"] == "degraded"


def test_health_is_unhealthy_503_when_the_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    # The driver's failure is simulated at its edge; the probe and the view run as is.
    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/api/health")

    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
    assert response.json()["services"]["database"] == "unhealthy"


def test_an_app_probe_that_fails_degrades_the_platform(client):
    def failing():
        raise ConnectionError("engine down")

    previous = health._probes["mlEngine"]
    health.register_probe("mlEngine", failing)
    try:
        body = client.get("/api/health").json()
    finally:
        health.register_probe("mlEngine", previous)

    assert body["services"]["mlEngine"] == "unhealthy"
    assert body["status"] == "degraded"


@pytest.mark.redis
def test_the_configured_redis_is_healthy_in_service_mode(client):
    assert client.get("/api/health").json()["services"]["redis"] == "healthy"
