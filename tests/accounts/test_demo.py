import pytest

from accounts.demo import DEMO_USERS, create_demo_users
from tests.accounts.conftest import login

pytestmark = pytest.mark.django_db


def test_the_printed_demo_logins_work(api_client):
    printed = []

    create_demo_users(printed.append)

    assert len(printed) == 2
    for email, password, _, _, role in DEMO_USERS:
        assert any(email in line and password in line for line in printed)
        response = login(api_client, email, password)
        assert response.status_code == 200
        assert response.json()["user"]["role"] == role


def test_running_it_again_leaves_the_accounts_alone(db):
    create_demo_users(lambda line: None)
    again = []

    create_demo_users(again.append)

    assert all("(exists)" in line for line in again)
