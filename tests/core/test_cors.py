import pytest

pytestmark = pytest.mark.django_db


def preflight(client, origin):
    return client.options(
        "/api/ping",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type,idempotency-key",
    )


def test_a_preflight_from_the_front_end_is_allowed(client):
    response = preflight(client, "http://localhost:3080")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "http://localhost:3080"
    allowed = response["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "idempotency-key" in allowed


def test_a_preflight_from_another_origin_gets_no_grant(client):
    response = preflight(client, "https://evil.example.com")

    assert "Access-Control-Allow-Origin" not in response


def test_the_client_can_read_the_rate_limit_and_request_id_headers(client):
    response = client.get("/api/ping", HTTP_ORIGIN="https://app.trading.com")

    assert response["Access-Control-Allow-Origin"] == "https://app.trading.com"
    exposed = response["Access-Control-Expose-Headers"]
    for header in ("X-Request-ID", "X-RateLimit-Remaining", "Retry-After"):
        assert header in exposed


def test_allowed_origins_come_from_settings(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://staging.trading.com"]

    allowed = preflight(client, "https://staging.trading.com")
    refused = preflight(client, "http://localhost:3080")

    assert allowed["Access-Control-Allow-Origin"] == "https://staging.trading.com"
    assert "Access-Control-Allow-Origin" not in refused
