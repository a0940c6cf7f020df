"""Refresh rotation, logout, and the tokens of disabled or deleted accounts."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import AuditEvent, AuditLog, AuthSession
from accounts.services import sessions
from tests.accounts.conftest import PASSWORD, bearer, error_code, login

pytestmark = pytest.mark.django_db


def refresh(client, token):
    return client.post("/api/auth/refresh", {"refreshToken": token}, format="json")


@pytest.fixture
def pair(api_client, user):
    return login(api_client, "trader@example.com", PASSWORD).json()


def test_it_rotates_the_refresh_token_and_spends_the_old_one(api_client, pair):
    first = refresh(api_client, pair["refreshToken"])

    assert first.status_code == 200
    rotated = first.json()
    assert set(rotated) == {"accessToken", "refreshToken", "expiresIn"}
    assert rotated["refreshToken"] != pair["refreshToken"]
    me = api_client.get("/api/auth/me", **bearer(rotated["accessToken"]))
    assert me.status_code == 200

    again = refresh(api_client, pair["refreshToken"])

    assert again.status_code == 401
    assert error_code(again) == "UNAUTHORIZED"
    # The new one still verifies as an unspent refresh token.
    assert RefreshToken(rotated["refreshToken"])["sid"]
    assert BlacklistedToken.objects.count() == 1
    assert AuditLog.objects.filter(event=AuditEvent.TOKEN_REFRESH_FAILED).count() == 1


def test_a_spent_token_presented_long_after_rotation_ends_the_session(api_client, pair):
    rotated = refresh(api_client, pair["refreshToken"]).json()
    # Given the rotation happened well before the grace period
    AuthSession.objects.update(
        rotated_at=AuthSession.objects.get().rotated_at - timedelta(minutes=5)
    )

    reuse = refresh(api_client, pair["refreshToken"])

    assert reuse.status_code == 401
    # The thief's replay also locks out whoever holds the newer pair.
    assert refresh(api_client, rotated["refreshToken"]).status_code == 401
    me = api_client.get("/api/auth/me", **bearer(rotated["accessToken"]))
    assert me.status_code == 401
    assert AuthSession.objects.get().revoke_reason == "refresh_reuse"


def test_logout_stops_the_access_token_at_once_and_spends_the_refresh(api_client, pair):
    response = api_client.post("/api/auth/logout", **bearer(pair["accessToken"]))

    assert response.status_code == 204
    me = api_client.get("/api/auth/me", **bearer(pair["accessToken"]))
    assert me.status_code == 401
    assert error_code(me) == "UNAUTHORIZED"
    assert refresh(api_client, pair["refreshToken"]).status_code == 401
    assert AuditLog.objects.filter(event=AuditEvent.LOGOUT).count() == 1


def test_logout_ends_only_that_session(api_client, user, pair):
    other = login(api_client, "trader@example.com", PASSWORD).json()

    api_client.post("/api/auth/logout", **bearer(pair["accessToken"]))

    me = api_client.get("/api/auth/me", **bearer(other["accessToken"]))
    assert me.status_code == 200
    assert refresh(api_client, other["refreshToken"]).status_code == 200


def test_logout_needs_a_token(api_client, db):
    response = api_client.post("/api/auth/logout")

    assert response.status_code == 401
    assert error_code(response) == "UNAUTHORIZED"


def test_a_tampered_token_is_refused(api_client, pair):
    head, body, signature = pair["accessToken"].split(".")
    forged = f"{head}.{body}.{signature[:-4]}AAAA"

    assert api_client.get("/api/auth/me", **bearer(forged)).status_code == 401
    assert refresh(api_client, pair["refreshToken"][:-3] + "abc").status_code == 401


def session_token_for(client, seconds):
    """An access token of a fresh login's session that expires in ``seconds``."""
    session_token = AccessToken(
        login(client, "trader@example.com", PASSWORD).json()["accessToken"]
    )
    token = AccessToken()
    token["user_id"] = session_token["user_id"]
    token["sid"] = session_token["sid"]
    token.set_exp(lifetime=timedelta(seconds=seconds))
    return token


def test_an_expired_access_token_is_refused(api_client, user):
    expired = session_token_for(api_client, -1)

    response = api_client.get("/api/auth/me", **bearer(str(expired)))

    assert response.status_code == 401
    assert error_code(response) == "UNAUTHORIZED"


def test_a_token_used_before_is_refused_once_it_expires(api_client, user):
    short = session_token_for(api_client, 2)
    assert api_client.get("/api/auth/me", **bearer(str(short))).status_code == 200

    time.sleep(2.1)
    response = api_client.get("/api/auth/me", **bearer(str(short)))

    assert response.status_code == 401
    assert error_code(response) == "UNAUTHORIZED"


def test_a_token_used_before_is_refused_after_logout(api_client, pair):
    token = pair["accessToken"]
    assert api_client.get("/api/auth/me", **bearer(token)).status_code == 200

    assert api_client.post("/api/auth/logout", **bearer(token)).status_code in (
        200,
        204,
    )

    assert api_client.get("/api/auth/me", **bearer(token)).status_code == 401


def test_an_access_token_is_not_a_refresh_token(api_client, pair):
    response = refresh(api_client, pair["accessToken"])

    assert response.status_code == 401


def test_a_token_without_a_session_is_refused(api_client, user):
    # A correctly signed token that this API never issued through a login
    token = AccessToken.for_user(user)

    response = api_client.get("/api/auth/me", **bearer(str(token)))

    assert response.status_code == 401


def test_disabling_a_user_invalidates_their_tokens_at_once(api_client, user, pair):
    user.is_active = False
    user.save()

    assert api_client.get(
        "/api/auth/me", **bearer(pair["accessToken"])
    ).status_code == (401)
    assert refresh(api_client, pair["refreshToken"]).status_code == 401


def test_revoking_all_sessions_stops_every_token_of_the_user(api_client, user, pair):
    other = login(api_client, "trader@example.com", PASSWORD).json()

    assert sessions.revoke_all(user, reason="test") == 2

    for tokens in (pair, other):
        assert (
            api_client.get("/api/auth/me", **bearer(tokens["accessToken"])).status_code
            == 401
        )
        assert refresh(api_client, tokens["refreshToken"]).status_code == 401


def test_refresh_needs_a_refresh_token(api_client, db):
    response = api_client.post("/api/auth/refresh", {}, format="json")

    assert response.status_code == 422
    assert "refreshToken" in response.json()["error"]["details"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_with_one_token_have_one_winner(user):
    # Given one refresh token and eight clients that send it at the same moment
    refresh_token = sessions.start_session(user)["refreshToken"]
    contenders = 8
    barrier = threading.Barrier(contenders)
    statuses = []
    lock = threading.Lock()

    def contend():
        try:
            barrier.wait()
            response = refresh(APIClient(), refresh_token)
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200] + [401] * (contenders - 1)
    session = AuthSession.objects.get(user=user)
    assert session.revoked_at is None
    assert BlacklistedToken.objects.filter(token__jti__isnull=False).count() == 1


@pytest.mark.urls("tests.urls")
def test_authenticating_a_request_costs_one_query(
    api_client, pair, django_assert_num_queries
):
    with django_assert_num_queries(1):
        response = api_client.get("/api/test/protected", **bearer(pair["accessToken"]))

    assert response.status_code == 200
