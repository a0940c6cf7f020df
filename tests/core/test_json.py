from decimal import Decimal

import pytest

from core.renderers import dumps

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls")]


def test_decimals_leave_as_json_numbers_with_their_exact_digits():
    assert dumps({"price": Decimal("45000.10"), "qty": Decimal("0.00000001")}) == (
        '{"price":45000.10,"qty":0.00000001}'
    )


def test_decimals_with_more_digits_than_a_float_holds_survive():
    assert dumps([Decimal("12345678901234567.123456789")]) == (
        "[12345678901234567.123456789]"
    )


def test_numbers_in_a_request_arrive_as_decimal_not_float(api_client):
    response = api_client.post(
        "/api/test/echo",
        data='{"price": 0.1, "quantity": 3, "note": "x"}',
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.content == b'{"received":{"price":0.1,"quantity":3,"note":"x"}}'
