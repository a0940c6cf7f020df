from datetime import UTC, datetime

import pytest

from accounts.models import Role, User

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls")]


@pytest.fixture
def dated_rows(db):
    for day in (1, 2, 3):
        User.objects.create_user(
            f"d{day}@example.com",
            "pw",
            created_at=datetime(2024, 1, day, 12, tzinfo=UTC),
            role=Role.ADMIN if day == 3 else Role.USER,
        )


def emails(response):
    assert response.status_code == 200, response.content
    return sorted(row["email"] for row in response.json()["data"])


def test_start_and_end_dates_bound_the_list_inclusively(api_client, dated_rows):
    response = api_client.get("/api/test/rows?startDate=2024-01-02&endDate=2024-01-02")

    assert emails(response) == ["d2@example.com"]


def test_an_iso_datetime_bound_is_exact(api_client, dated_rows):
    response = api_client.get("/api/test/rows?startDate=2024-01-02T12:00:01Z")

    assert emails(response) == ["d3@example.com"]


def test_filters_combine(api_client, dated_rows):
    response = api_client.get("/api/test/rows?startDate=2024-01-01&role=user")

    assert emails(response) == ["d1@example.com", "d2@example.com"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("startDate=yesterday", "startDate"),
        ("endDate=2024-13-01", "endDate"),
        ("role=king", "role"),
    ],
)
def test_a_bad_filter_value_is_a_422_naming_it(api_client, dated_rows, query, field):
    response = api_client.get(f"/api/test/rows?{query}")

    assert response.status_code == 422
    assert field in response.json()["error"]["details"]
