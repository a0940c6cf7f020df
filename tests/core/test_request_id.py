import logging
import re

import pytest

pytestmark = pytest.mark.django_db


def test_every_response_carries_a_generated_request_id(client):
    first = client.get("/api/ping")["X-Request-ID"]
    second = client.get("/api/no-such-route")["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_sane_client_request_id_is_kept(client):
    response = client.get("/api/ping", HTTP_X_REQUEST_ID="spa-7f3a.42")

    assert response["X-Request-ID"] == "spa-7f3a.42"


def test_an_unsafe_client_request_id_is_replaced(client):
    response = client.get("/api/ping", HTTP_X_REQUEST_ID="bad id\r\nX-Evil: 1")

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_one_access_line_per_request_with_the_request_id(auth_client, user, caplog):
    with caplog.at_level(logging.INFO, logger="core.access"):
        auth_client.get("/api/ping", HTTP_X_REQUEST_ID="trace-me")

    lines = [r for r in caplog.records if r.name == "core.access"]
    assert len(lines) == 1
    line = lines[0]
    assert line.request_id == "trace-me"
    message = line.getMessage()
    assert message.startswith("GET /api/ping 200 ")
    assert re.search(r" \d+\.\dms ", message)
    assert message.endswith("user=-")


@pytest.mark.urls("tests.urls")
def test_the_access_line_names_the_authenticated_user(auth_client, user, caplog):
    with caplog.at_level(logging.INFO, logger="core.access"):
        auth_client.get("/api/test/protected")

    line = [r for r in caplog.records if r.name == "core.access"][0]
    assert line.getMessage().endswith(f"user={user.pk}")


def test_log_lines_outside_a_request_carry_a_dash(caplog):
    from core.logging import RequestIdFilter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    RequestIdFilter().filter(record)

    assert record.request_id == "-"
