"""Every error class a client can meet answers the documented envelope."""

import logging
import uuid
from datetime import datetime

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls")]


def assert_envelope(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["code"] == code
    assert error["statusCode"] == status
    assert error["message"]
    assert error["timestamp"].endswith("Z")
    datetime.fromisoformat(error["timestamp"].replace("Z", "+00:00"))
    assert error["requestId"] == response["X-Request-ID"]
    return error


def test_it_answers_401_without_a_token(api_client):
    error = assert_envelope(api_client.get("/api/test/protected"), 401, "UNAUTHORIZED")
    assert "details" not in error


def test_it_answers_401_for_a_tampered_token(api_client, auth_client):
    token = auth_client._credentials["HTTP_AUTHORIZATION"]
    api_client.credentials(HTTP_AUTHORIZATION=token[:-3] + "abc")

    assert_envelope(api_client.get("/api/test/protected"), 401, "UNAUTHORIZED")


def test_it_lets_a_valid_token_through(auth_client):
    response = auth_client.get("/api/test/protected")

    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_it_answers_403_to_a_user_without_permission(auth_client):
    assert_envelope(auth_client.get("/api/test/admin-only"), 403, "FORBIDDEN")


def test_it_answers_404_for_an_unknown_api_path(api_client):
    for method in ("get", "post", "delete"):
        response = getattr(api_client, method)("/api/no/such/route")
        assert_envelope(response, 404, "NOT_FOUND")


def test_it_answers_404_for_an_unknown_id(api_client):
    assert_envelope(api_client.get(f"/api/test/rows/{uuid.uuid4()}"), 404, "NOT_FOUND")


def test_it_answers_405_for_a_wrong_method(api_client):
    assert_envelope(api_client.delete("/api/ping"), 405, "METHOD_NOT_ALLOWED")


def test_it_answers_400_for_a_body_that_is_not_json(api_client):
    response = api_client.post(
        "/api/test/rows", data="{not json", content_type="application/json"
    )

    assert_envelope(response, 400, "BAD_REQUEST")


def test_it_rejects_nan_as_a_number(api_client):
    response = api_client.post(
        "/api/test/echo", data='{"price": NaN}', content_type="application/json"
    )

    assert_envelope(response, 400, "BAD_REQUEST")


def test_it_answers_415_for_an_unsupported_media_type(api_client):
    response = api_client.post(
        "/api/test/rows", data="<xml/>", content_type="application/xml"
    )

    assert_envelope(response, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_it_answers_422_naming_each_invalid_field(api_client):
    response = api_client.post(
        "/api/test/rows", {"email": "not-an-email"}, format="json"
    )

    error = assert_envelope(response, 422, "VALIDATION_ERROR")
    assert set(error["details"]) == {"email", "firstName"}
    assert error["details"]["firstName"][0]["code"] == "REQUIRED"
    assert error["details"]["email"][0]["code"] == "INVALID"
    assert "email" in error["message"] and "firstName" in error["message"]


def test_it_answers_422_for_a_body_that_is_not_an_object(api_client):
    response = api_client.post("/api/test/rows", [1, 2], format="json")

    error = assert_envelope(response, 422, "VALIDATION_ERROR")
    assert "nonFieldErrors" in error["details"]


def test_a_crash_is_a_500_without_internals_and_is_logged(api_client, caplog):
    with caplog.at_level(logging.ERROR):
        response = api_client.get("/api/test/crash", HTTP_X_REQUEST_ID="crash-1")

    error = assert_envelope(response, 500, "INTERNAL_ERROR")
    assert "hunter2" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert error["requestId"] == "crash-1"
    logged = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert logged and logged[0].request_id == "crash-1"
    assert "hunter2" in logged[0].exc_text


def test_a_crash_outside_drf_is_a_500_envelope_too(client):
    response = client.get("/api/test/plain-crash")

    assert_envelope(response, 500, "INTERNAL_ERROR")
    assert "plain view internals" not in response.content.decode()
