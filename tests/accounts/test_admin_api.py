"""/api/admin: stats, user management, audit log; all refused to non-admins."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin as django_admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, AuditLog, AuthSession, Role, User
from core import stats
from core.time import utc_now
from tests.accounts.conftest import PASSWORD, bearer, error_code, login

pytestmark = pytest.mark.django_db

ADMIN_ROUTES = [
    ("get", "/api/admin/stats"),
    ("get", "/api/admin/users"),
    ("get", "/api/admin/logs"),
    ("patch", "/api/admin/users/00000000-0000-4000-8000-000000000000"),
    ("delete", "/api/admin/users/00000000-0000-4000-8000-000000000000"),
]


@pytest.mark.parametrize("method, path", ADMIN_ROUTES)
def test_admin_routes_are_forbidden_to_users(auth_client, method, path):
    response = getattr(auth_client, method)(path, {}, format="json")

    assert response.status_code == 403
    assert error_code(response) == "FORBIDDEN"


@pytest.mark.parametrize("method, path", ADMIN_ROUTES)
def test_admin_routes_need_a_login(api_client, db, method, path):
    response = getattr(api_client, method)(path, {}, format="json")

    assert response.status_code == 401


@pytest.fixture
def population(admin_user, user):
    """Four more users: one new, one old, one disabled, one deleted; one with 2FA."""
    old = User.objects.create_user("old@example.com", PASSWORD, first_name="Olga")
    User.objects.filter(pk=old.pk).update(created_at=utc_now() - timedelta(days=30))
    User.objects.create_user("off@example.com", PASSWORD, is_active=False)
    User.objects.create_user(
        "gone@example.com", PASSWORD, is_active=False, deleted_at=utc_now()
    )
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    TOTPDevice.objects.create(user=old, name="default", confirmed=False)
    return old


def test_stats_count_users_from_the_data(admin_client, population):
    response = admin_client.get("/api/admin/stats")

    assert response.status_code == 200
    users = response.json()["users"]
    # admin, trader, old, off (the deleted one is not counted)
    assert users["total"] == 4
    assert users["newThisWeek"] == 3
    assert users["active"] == 3
    assert users["admins"] == 1
    assert users["twoFactorEnabled"] == 1
    assert Decimal(str(users["twoFactorShare"])) == Decimal("0.25")


def test_stats_include_figures_other_apps_register(admin_client, population):
    stats.register("ordersTest", lambda: User.objects.count() * 2)
    stats.register("brokenTest", lambda: 1 / 0)
    try:
        metrics = admin_client.get("/api/admin/stats").json()["metrics"]
    finally:
        stats.unregister("ordersTest")
        stats.unregister("brokenTest")

    assert metrics["ordersTest"] == 10
    assert metrics["brokenTest"] is None


def test_it_lists_users_paginated_without_the_deleted(admin_client, population):
    response = admin_client.get("/api/admin/users?limit=2&sortBy=email&order=ASC")

    assert response.status_code == 200
    body = response.json()
    assert body["pagination"]["total"] == 4
    assert body["pagination"]["totalPages"] == 2
    assert [row["email"] for row in body["data"]] == [
        "boss@example.com",
        "off@example.com",
    ]


@pytest.mark.parametrize(
    "query, emails",
    [
        ("role=admin", {"boss@example.com"}),
        ("active=false", {"off@example.com"}),
        ("search=OLG", {"old@example.com"}),
        ("search=trader@", {"trader@example.com"}),
        ("deleted=true", {"gone@example.com"}),
    ],
)
def test_it_filters_users(admin_client, population, query, emails):
    response = admin_client.get(f"/api/admin/users?{query}")

    assert response.status_code == 200
    assert {row["email"] for row in response.json()["data"]} == emails


def test_a_bad_filter_value_is_a_422(admin_client):
    response = admin_client.get("/api/admin/users?role=emperor")

    assert response.status_code == 422
    assert "role" in response.json()["error"]["details"]


def test_an_admin_promotes_a_user(admin_client, admin_user, user):
    response = admin_client.patch(
        f"/api/admin/users/{user.pk}", {"role": "admin"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    entry = AuditLog.objects.get(event=AuditEvent.ADMIN_USER_UPDATED)
    assert entry.user == user and entry.actor == admin_user
    assert entry.data["changes"] == {"role": ["user", "admin"]}


def test_disabling_a_user_ends_their_sessions_at_once(api_client, admin_client, user):
    tokens = login(api_client, "trader@example.com", PASSWORD).json()

    response = admin_client.patch(
        f"/api/admin/users/{user.pk}", {"active": False}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["active"] is False
    assert (
        api_client.get("/api/auth/me", **bearer(tokens["accessToken"])).status_code
        == 401
    )
    refresh = api_client.post(
        "/api/auth/refresh", {"refreshToken": tokens["refreshToken"]}, format="json"
    )
    assert refresh.status_code == 401
    assert not AuthSession.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_demoting_an_admin_removes_django_admin_access(admin_client, db):
    other = User.objects.create_superuser("other-admin@example.com", PASSWORD)

    admin_client.patch(f"/api/admin/users/{other.pk}", {"role": "user"}, format="json")

    other.refresh_from_db()
    assert other.role == Role.USER
    assert not other.is_staff and not other.is_superuser


def test_an_admin_cannot_demote_or_disable_themselves(admin_client, admin_user):
    demote = admin_client.patch(
        f"/api/admin/users/{admin_user.pk}", {"role": "user"}, format="json"
    )
    disable = admin_client.patch(
        f"/api/admin/users/{admin_user.pk}", {"active": False}, format="json"
    )

    assert demote.status_code == 422 and "role" in demote.json()["error"]["details"]
    assert disable.status_code == 422
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN and admin_user.is_active


@pytest.mark.parametrize(
    "body, field",
    [
        ({"role": "god"}, "role"),
        ({"email": "x@example.com"}, "email"),
        ({"plan": "premium"}, "plan"),
        ({"active": "maybe"}, "active"),
    ],
)
def test_admin_update_takes_only_role_and_active(admin_client, user, body, field):
    response = admin_client.patch(f"/api/admin/users/{user.pk}", body, format="json")

    assert response.status_code == 422
    assert field in response.json()["error"]["details"]


def test_updating_an_unknown_user_is_a_404(admin_client):
    response = admin_client.patch(
        "/api/admin/users/00000000-0000-4000-8000-000000000000",
        {"active": False},
        format="json",
    )

    assert response.status_code == 404


def test_deleting_keeps_the_row_and_ends_the_sessions(api_client, admin_client, user):
    tokens = login(api_client, "trader@example.com", PASSWORD).json()

    response = admin_client.delete(f"/api/admin/users/{user.pk}")

    assert response.status_code == 204
    user.refresh_from_db()
    assert user.deleted_at is not None and not user.is_active
    assert (
        api_client.get("/api/auth/me", **bearer(tokens["accessToken"])).status_code
        == 401
    )
    assert login(api_client, "trader@example.com", PASSWORD).status_code == 401
    assert admin_client.delete(f"/api/admin/users/{user.pk}").status_code == 404
    assert admin_client.get(f"/api/users/{user.pk}").status_code == 404
    assert AuditLog.objects.filter(event=AuditEvent.ADMIN_USER_DELETED).exists()


def test_an_admin_cannot_delete_themselves(admin_client, admin_user):
    assert admin_client.delete(f"/api/admin/users/{admin_user.pk}").status_code == 422


def test_the_log_lists_security_events_newest_first(api_client, admin_client, user):
    login(api_client, "trader@example.com", "wrong-password")
    login(api_client, "trader@example.com", PASSWORD)

    response = admin_client.get("/api/admin/logs")

    assert response.status_code == 200
    events = [row["event"] for row in response.json()["data"]]
    assert events == ["login", "login_failed"]
    failed = response.json()["data"][1]
    assert failed["level"] == "warning"
    assert failed["userId"] == str(user.pk)
    assert failed["ip"] == "127.0.0.1"


@pytest.mark.parametrize(
    "query, expected",
    [("level=warning", ["login_failed"]), ("event=login", ["login"])],
)
def test_the_log_filters_by_level_and_event(
    api_client, admin_client, user, query, expected
):
    login(api_client, "trader@example.com", "wrong-password")
    login(api_client, "trader@example.com", PASSWORD)

    response = admin_client.get(f"/api/admin/logs?{query}")

    assert [row["event"] for row in response.json()["data"]] == expected


def test_the_log_filters_by_user(api_client, admin_client, user, admin_user):
    login(api_client, "trader@example.com", PASSWORD)
    login(api_client, "boss@example.com", "wrong")

    response = admin_client.get(f"/api/admin/logs?userId={admin_user.pk}")

    assert [row["event"] for row in response.json()["data"]] == ["login_failed"]
    assert admin_client.get("/api/admin/logs?userId=nope").status_code == 422


def test_every_accounts_model_is_in_the_django_admin():
    for model in apps.get_app_config("accounts").get_models():
        assert django_admin.site.is_registered(model), model


def test_the_django_admin_pages_render_for_staff(client, admin_user):
    client.force_login(admin_user)
    for path in (
        "/admin/accounts/user/",
        "/admin/accounts/authsession/",
        "/admin/accounts/auditlog/",
    ):
        assert client.get(path).status_code == 200, path
