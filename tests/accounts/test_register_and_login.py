"""Registration and password login."""

import time

import pytest
from django.test import override_settings

from accounts.models import AuditEvent, AuditLog, User
from tests.accounts.conftest import PASSWORD, bearer, error_code, login

pytestmark = pytest.mark.django_db

NEW = {
    "email": "Newbie@Example.com",
    "password": "Sturdy-Horse-Battery-9",
    "firstName": "John",
    "lastName": "Doe",
}


def test_it_registers_and_answers_the_documented_shape(api_client):
    response = api_client.post("/api/auth/register", NEW, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"user", "accessToken", "refreshToken", "expiresIn"}
    assert set(body["user"]) == {"id", "email", "firstName", "lastName", "role"}
    assert body["user"]["email"] == "newbie@example.com"
    assert body["user"]["role"] == "user"
    assert body["expiresIn"] == 3600
    me = api_client.get("/api/auth/me", **bearer(body["accessToken"]))
    assert me.status_code == 200
    assert me.json()["id"] == body["user"]["id"]
    assert AuditLog.objects.filter(event=AuditEvent.REGISTER).count() == 1


def test_it_refuses_a_taken_email_naming_the_field(api_client, user):
    response = api_client.post(
        "/api/auth/register", {**NEW, "email": "TRADER@example.com"}, format="json"
    )

    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert details["email"][0]["code"] == "EMAIL_TAKEN"
    assert User.objects.filter(email="trader@example.com").count() == 1


@pytest.mark.parametrize(
    "password, reason",
    [
        ("short1!", "PASSWORD_TOO_SHORT"),
        ("password123", "PASSWORD_TOO_COMMON"),
        ("83749201938475", "PASSWORD_ENTIRELY_NUMERIC"),
    ],
)
def test_it_refuses_a_weak_password_with_the_validator_reason(
    api_client, password, reason
):
    response = api_client.post(
        "/api/auth/register", {**NEW, "password": password}, format="json"
    )

    assert response.status_code == 422
    codes = [item["code"] for item in response.json()["error"]["details"]["password"]]
    assert reason in codes
    assert not User.objects.exists()


def test_it_refuses_a_password_like_the_email(api_client):
    response = api_client.post(
        "/api/auth/register",
        {**NEW, "email": "sturdyhorse@example.com", "password": "sturdyhorse"},
        format="json",
    )

    assert response.status_code == 422
    assert "password" in response.json()["error"]["details"]


@pytest.mark.parametrize("email", ["not-an-email", "a@", "", "x" * 300 + "@ex.com"])
def test_it_refuses_a_malformed_email(api_client, email):
    response = api_client.post(
        "/api/auth/register", {**NEW, "email": email}, format="json"
    )

    assert response.status_code == 422
    assert "email" in response.json()["error"]["details"]


def test_it_logs_in_with_the_right_password(api_client, user):
    response = login(api_client, "Trader@Example.com", PASSWORD)

    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == str(user.pk)
    assert body["expiresIn"] == 3600
    user.refresh_from_db()
    assert user.last_login is not None
    assert AuditLog.objects.filter(event=AuditEvent.LOGIN, user=user).exists()


def test_a_wrong_password_and_an_unknown_email_answer_the_same(api_client, user):
    wrong = login(api_client, "trader@example.com", "not-the-password")
    unknown = login(api_client, "nobody@example.com", "not-the-password")

    for response in (wrong, unknown):
        assert response.status_code == 401
        assert error_code(response) == "INVALID_CREDENTIALS"
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]
    failures = AuditLog.objects.filter(event=AuditEvent.LOGIN_FAILED)
    assert failures.count() == 2
    assert failures.filter(user=user).count() == 1


@override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)
def test_an_unknown_email_costs_a_password_hash_like_a_known_one(api_client, db):
    # Given a real (slow) hasher, so that the hash dominates the time
    User.objects.create_user("known@example.com", PASSWORD)

    def timed(email):
        started = time.perf_counter()
        login(api_client, email, "wrong-password-1")
        return time.perf_counter() - started

    timed("known@example.com")  # warm-up
    known = min(timed("known@example.com") for _ in range(3))
    unknown = min(timed("unknown@example.com") for _ in range(3))

    # Both spend one hash: neither answers in a fraction of the other's time.
    assert unknown > known * 0.5
    assert known > unknown * 0.5


def test_a_disabled_or_deleted_account_cannot_log_in(api_client, user):
    user.is_active = False
    user.save()

    response = login(api_client, "trader@example.com", PASSWORD)

    assert response.status_code == 401
    assert error_code(response) == "INVALID_CREDENTIALS"


def test_login_needs_email_and_password(api_client, db):
    response = api_client.post("/api/auth/login", {}, format="json")

    assert response.status_code == 422
    assert set(response.json()["error"]["details"]) == {"email", "password"}


@override_settings(
    RATE_LIMITS={"general": "100/m", "auth": "3/m", "trading": "9/m", "ml": "9/m"}
)
def test_login_attempts_fall_under_the_auth_rate_limit(api_client, user):
    ip = "10.77.1.2"
    statuses = [
        api_client.post(
            "/api/auth/login",
            {"email": "trader@example.com", "password": "guess"},
            format="json",
            REMOTE_ADDR=ip,
        ).status_code
        for _ in range(4)
    ]

    assert statuses == [401, 401, 401, 429]
