"""The orders and positions routes under /api/trading."""

from decimal import Decimal

import pytest

from tests.trading.conftest import assert_books_balance, make_trader, place
from trading.models import Order

pytestmark = pytest.mark.django_db

ORDERS = "/api/trading/orders"
POSITIONS = "/api/trading/positions"


def test_it_places_a_market_order_and_answers_it_with_its_fills(auth_client, user):
    response = auth_client.post(
        ORDERS,
        {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": 0.01},
        format="json",
    )

    assert response.status_code == 201
    order = response.json()["order"]
    assert order["status"] == "FILLED" and order["type"] == "MARKET"
    assert order["quantity"] == 0.01 and order["executedQty"] == 0.01
    fills = order["fills"]
    assert sum(Decimal(str(f["quantity"])) for f in fills) == Decimal("0.01")
    assert order["fee"] == pytest.approx(sum(f["fee"] for f in fills))
    assert_books_balance(user)


def test_it_places_a_limit_order_as_the_contract_shows(auth_client, user):
    response = auth_client.post(
        ORDERS,
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "quantity": 0.01,
            "price": 1000,
            "timeInForce": "GTC",
        },
        format="json",
    )

    assert response.status_code == 201
    order = response.json()["order"]
    assert {
        "id",
        "symbol",
        "side",
        "type",
        "quantity",
        "price",
        "status",
        "createdAt",
    } <= set(order)
    assert (order["price"], order["status"]) == (1000, "NEW")
    assert order["createdAt"].endswith("Z")


def test_it_refuses_an_order_over_the_balance_naming_field_and_reason(auth_client):
    response = auth_client.post(
        ORDERS,
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "quantity": 5,
            "price": 5000,
        },
        format="json",
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"]["quantity"][0]["code"] == "INSUFFICIENT_BALANCE"


def test_it_refuses_bad_values_with_a_422_not_a_500(auth_client):
    response = auth_client.post(
        ORDERS,
        {
            "symbol": "NOPE",
            "side": "HOLD",
            "type": "LIMIT",
            "quantity": -1,
            "price": "abc",
        },
        format="json",
    )

    assert response.status_code == 422
    assert {"symbol", "side", "quantity", "price"} <= set(
        response.json()["error"]["details"]
    )


def test_it_answers_a_retry_with_the_idempotency_key_with_the_first_order(
    auth_client, user
):
    body = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": 0.01}

    first = auth_client.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = auth_client.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    changed = auth_client.post(
        ORDERS, {**body, "quantity": 0.02}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["order"]["id"] == first.json()["order"]["id"]
    assert Order.objects.filter(user=user).count() == 1
    assert changed.status_code == 409
    assert changed.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_it_lists_filters_and_splits_active_from_history(auth_client, user):
    place(user, quantity="0.01")
    place(user, type="LIMIT", quantity="0.01", price="1000")
    place(user, symbol="ETHUSDT", quantity="0.1")

    everything = auth_client.get(ORDERS).json()
    filled_btc = auth_client.get(f"{ORDERS}?status=FILLED&symbol=btcusdt").json()
    active = auth_client.get(f"{ORDERS}/active").json()
    history = auth_client.get(f"{ORDERS}/history?sortBy=createdAt&order=ASC").json()
    bad = auth_client.get(f"{ORDERS}?status=LOST")

    assert everything["pagination"]["total"] == 3
    assert [o["symbol"] for o in filled_btc["data"]] == ["BTCUSDT"]
    assert [o["status"] for o in active["data"]] == ["NEW"]
    assert [o["symbol"] for o in history["data"]] == ["BTCUSDT", "ETHUSDT"]
    assert bad.status_code == 422


def test_it_cancels_an_order_and_refuses_to_cancel_a_filled_one(auth_client, user):
    resting = place(user, type="LIMIT", quantity="0.01", price="1000")
    filled = place(user, quantity="0.01")

    canceled = auth_client.delete(f"{ORDERS}/{resting.pk}")
    refused = auth_client.delete(f"{ORDERS}/{filled.pk}")

    assert canceled.status_code == 200
    assert canceled.json()["order"]["status"] == "CANCELED"
    assert refused.status_code == 422
    details = refused.json()["error"]["details"]
    assert details["orderId"][0]["code"] == "ORDER_NOT_CANCELABLE"
    assert_books_balance(user)


def test_it_hides_another_users_orders_and_positions_as_404(auth_client, db):
    stranger = make_trader("stranger@example.com")
    order = place(stranger, quantity="0.01")
    resting = place(stranger, type="LIMIT", quantity="0.01", price="1000")
    position = order.position

    answers = [
        auth_client.get(f"{ORDERS}/{order.pk}"),
        auth_client.delete(f"{ORDERS}/{resting.pk}"),
        auth_client.get(f"{POSITIONS}/{position.pk}"),
        auth_client.post(f"{POSITIONS}/{position.pk}/close"),
    ]

    assert [a.status_code for a in answers] == [404] * 4
    assert auth_client.get(ORDERS).json()["data"] == []
    assert auth_client.get(POSITIONS).json()["data"] == []
    resting.refresh_from_db()
    assert resting.status == "NEW"


def test_it_shows_a_position_with_its_prices_and_closes_it(auth_client, user):
    place(user, quantity="0.02")

    listed = auth_client.get(POSITIONS).json()["data"]
    [position] = listed
    detail = auth_client.get(f"{POSITIONS}/{position['id']}").json()
    closed = auth_client.post(f"{POSITIONS}/{position['id']}/close")
    history = auth_client.get(f"{POSITIONS}?status=CLOSED").json()["data"]

    assert detail["quantity"] == 0.02 and detail["status"] == "OPEN"
    assert detail["currentPrice"] > 0
    expected = (
        Decimal(str(detail["currentPrice"])) - Decimal(str(detail["entryPrice"]))
    ) * Decimal("0.02")
    assert Decimal(str(detail["unrealizedPnl"])) == expected
    assert closed.status_code == 200
    assert closed.json()["position"]["status"] == "CLOSED"
    assert closed.json()["order"]["side"] == "SELL"
    assert [p["id"] for p in history] == [position["id"]]
    assert auth_client.get(POSITIONS).json()["data"] == []
    again = auth_client.post(f"{POSITIONS}/{position['id']}/close")
    assert again.json()["error"]["details"]["positionId"][0]["code"] == (
        "POSITION_CLOSED"
    )
    assert_books_balance(user)
