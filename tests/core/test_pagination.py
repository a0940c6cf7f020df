import pytest

from accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls")]


@pytest.fixture
def rows(db):
    return [
        User.objects.create_user(f"user{i:02}@example.com", "pw", first_name=f"U{i}")
        for i in range(45)
    ]


def test_it_answers_the_first_page_with_defaults(api_client, rows):
    body = api_client.get("/api/test/rows").json()

    assert len(body["data"]) == 20
    assert body["pagination"] == {
        "page": 1,
        "limit": 20,
        "total": 45,
        "totalPages": 3,
        "hasNext": True,
        "hasPrevious": False,
    }


def test_the_last_page_holds_the_remainder(api_client, rows):
    body = api_client.get("/api/test/rows?page=3&limit=20").json()

    assert len(body["data"]) == 5
    assert body["pagination"]["hasNext"] is False
    assert body["pagination"]["hasPrevious"] is True


def test_beyond_the_last_page_is_empty_not_an_error(api_client, rows):
    response = api_client.get("/api/test/rows?page=9")

    assert response.status_code == 200
    assert response.json()["data"] == []
    assert response.json()["pagination"]["total"] == 45
    assert response.json()["pagination"]["hasNext"] is False


def test_pages_do_not_overlap_and_cover_every_row(api_client, rows):
    seen = []
    for page in (1, 2, 3):
        body = api_client.get(f"/api/test/rows?page={page}&limit=20").json()
        seen += [row["id"] for row in body["data"]]

    assert len(seen) == len(set(seen)) == 45


@pytest.mark.parametrize(
    "query, field",
    [
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=1.5", "page"),
        ("sortBy=password", "sortBy"),
        ("order=UP", "order"),
    ],
)
def test_a_bad_page_limit_or_sort_is_a_422_naming_it(api_client, rows, query, field):
    response = api_client.get(f"/api/test/rows?{query}")

    assert response.status_code == 422
    assert list(response.json()["error"]["details"]) == [field]


def test_limit_100_is_allowed(api_client, rows):
    body = api_client.get("/api/test/rows?limit=100").json()

    assert len(body["data"]) == 45
    assert body["pagination"]["totalPages"] == 1


def test_it_sorts_by_an_allowed_field_in_either_order(api_client, rows):
    ascending = api_client.get("/api/test/rows?sortBy=email&order=ASC&limit=3").json()
    descending = api_client.get("/api/test/rows?sortBy=email&order=desc").json()

    assert [r["email"] for r in ascending["data"]] == [
        "user00@example.com",
        "user01@example.com",
        "user02@example.com",
    ]
    assert descending["data"][0]["email"] == "user44@example.com"


def test_empty_collections_answer_zero_pages(api_client, db):
    body = api_client.get("/api/test/rows").json()

    assert body == {
        "data": [],
        "pagination": {
            "page": 1,
            "limit": 20,
            "total": 0,
            "totalPages": 0,
            "hasNext": False,
            "hasPrevious": False,
        },
    }
