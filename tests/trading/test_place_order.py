"""Placing orders on the paper exchange: each type and time in force through to
its status, fills, fees and ledger entries, to the last unit."""

from decimal import ROUND_DOWN, Decimal

import pytest
from django.test import override_settings

from core.errors import APIError
from tests.trading.conftest import (
    NOW,
    assert_books_balance,
    balances,
    place,
    walk_expected,
)
from trading.models import LedgerEntry

pytestmark = pytest.mark.django_db

D = Decimal
E8 = D("0.00000001")


def fee(notional, rate="0.001"):
    return (notional * D(rate)).quantize(E8, rounding=ROUND_DOWN)


def test_it_opens_an_account_with_the_starting_balance(trader):
    place(trader, quantity="0.001")

    deposit = LedgerEntry.objects.get(account__user=trader, kind="DEPOSIT")
    assert (deposit.asset, deposit.available_delta) == ("USDT", D("10000"))


def test_it_fills_a_market_buy_at_the_best_ask_with_the_taker_fee(trader, source, btc):
    book = source.orderbook(btc, limit=100, now=NOW)
    best_price, best_size = book.asks[0]
    quantity = min(best_size, D("0.1"))

    order = place(trader, quantity=str(quantity))

    assert order.status == "FILLED"
    [fill] = order.fills.all()
    notional = best_price * quantity
    assert (fill.price, fill.quantity, fill.quote_qty) == (
        best_price,
        quantity,
        notional,
    )
    assert fill.fee == fee(notional) and fill.fee_asset == "USDT"
    assert not fill.is_maker
    assert balances(trader) == {
        "USDT": (D("10000") - notional - fee(notional), 0),
        "BTC": (quantity, 0),
    }
    kinds = sorted(LedgerEntry.objects.filter(order=order).values_list("asset", "kind"))
    assert kinds == [("BTC", "TRADE"), ("USDT", "FEE"), ("USDT", "TRADE")]
    assert_books_balance(trader)


def test_it_walks_the_book_for_a_large_market_order(trader, source, btc):
    book = source.orderbook(btc, limit=100, now=NOW)
    quantity = sum(size for _, size in book.asks[:3]) + D("0.001")
    expected = walk_expected(book.asks, quantity)
    get_account_funded(trader, "USDT", D("1000000"))

    order = place(trader, quantity=str(quantity))

    assert order.status == "FILLED"
    fills = [(f.price, f.quantity) for f in order.fills.all()]
    assert fills == expected and len(fills) == 4
    assert fills[-1][0] > fills[0][0]  # slippage: deeper levels cost more
    notional = sum(p * q for p, q in expected)
    assert order.cumulative_quote_qty == notional
    assert order.fee_total == sum(fee(p * q) for p, q in expected)
    assert_books_balance(trader)


@override_settings(TRADING_BOOK_DEPTH=5)
def test_it_expires_what_the_book_cannot_fill_of_a_market_order(trader, source, btc):
    book = source.orderbook(btc, limit=5, now=NOW)
    depth = sum(size for _, size in book.asks)
    get_account_funded(trader, "USDT", D("1000000"))

    order = place(trader, quantity=str(depth + 1))

    assert order.status == "EXPIRED"
    assert order.executed_qty == depth
    assert order.fills.count() == 5
    assert_books_balance(trader)


@override_settings(TRADING_BOOK_DEPTH=5)
def test_it_kills_a_fill_or_kill_market_order_the_book_cannot_fill(trader, source, btc):
    book = source.orderbook(btc, limit=5, now=NOW)
    depth = sum(size for _, size in book.asks)
    get_account_funded(trader, "USDT", D("1000000"))

    order = place(trader, quantity=str(depth + 1), time_in_force="FOK")

    assert order.status == "EXPIRED" and order.fills.count() == 0
    assert balances(trader)["USDT"] == (D("1010000"), 0)
    assert_books_balance(trader)


def test_it_rests_a_limit_buy_below_the_market_and_locks_its_cost(trader, source, btc):
    last = source.price(btc, now=NOW).price
    price = last - D("100")

    order = place(trader, type="LIMIT", quantity="0.01", price=str(price))

    assert order.status == "NEW" and order.fills.count() == 0
    notional = price * D("0.01")
    lock = notional + (notional * D("0.001")).quantize(E8)
    assert order.locked_amount == lock
    assert balances(trader)["USDT"] == (D("10000") - lock, lock)
    assert_books_balance(trader)


def test_it_fills_a_marketable_limit_ioc_and_expires_the_rest(trader, source, btc):
    book = source.orderbook(btc, limit=100, now=NOW)
    limit = book.asks[2][0]
    within = sum(size for price, size in book.asks if price <= limit)
    quantity = within + D("0.5")
    get_account_funded(trader, "USDT", D("1000000"))

    order = place(
        trader,
        type="LIMIT",
        quantity=str(quantity),
        price=str(limit),
        time_in_force="IOC",
    )

    assert order.status == "EXPIRED"
    assert order.executed_qty == within
    assert all(f.price <= limit for f in order.fills.all())
    assert order.locked_amount == 0
    assert balances(trader)["USDT"][1] == 0
    assert_books_balance(trader)


def test_it_rests_the_remainder_of_a_marketable_limit_gtc(trader, source, btc):
    book = source.orderbook(btc, limit=100, now=NOW)
    limit = book.asks[0][0]
    quantity = book.asks[0][1] + D("0.01")
    get_account_funded(trader, "USDT", D("1000000"))

    order = place(trader, type="LIMIT", quantity=str(quantity), price=str(limit))

    assert order.status == "PARTIALLY_FILLED"
    assert order.executed_qty == book.asks[0][1]
    assert order.locked_amount > 0
    assert_books_balance(trader)


def test_it_kills_a_fill_or_kill_limit_it_cannot_fill_whole(trader, source, btc):
    book = source.orderbook(btc, limit=100, now=NOW)
    limit = book.asks[0][0]
    quantity = book.asks[0][1] + D("0.01")
    get_account_funded(trader, "USDT", D("1000000"))

    order = place(
        trader,
        type="LIMIT",
        quantity=str(quantity),
        price=str(limit),
        time_in_force="FOK",
    )

    assert order.status == "EXPIRED" and order.fills.count() == 0
    kinds = list(LedgerEntry.objects.filter(order=order).values_list("kind", flat=True))
    assert sorted(kinds) == ["LOCK", "RELEASE"]
    assert balances(trader)["USDT"] == (D("1010000"), 0)


def test_it_refuses_a_buy_over_the_free_balance(trader, source, btc):
    last = source.price(btc, now=NOW).price

    with pytest.raises(APIError) as refused:
        place(trader, type="LIMIT", quantity="2", price=str(last))

    assert refused.value.status_code == 422
    assert refused.value.details["quantity"][0]["code"] == "INSUFFICIENT_BALANCE"
    assert balances(trader)["USDT"] == (D("10000"), 0)
    assert_books_balance(trader)


def test_it_refuses_a_market_sell_of_what_is_not_held(trader):
    with pytest.raises(APIError) as refused:
        place(trader, side="SELL", quantity="0.01")

    assert refused.value.details["quantity"][0]["code"] == "INSUFFICIENT_BALANCE"


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"quantity": "0.000015"}, "quantity", "STEP_SIZE"),
        ({"quantity": "0.000001"}, "quantity", "MIN_QTY"),
        ({"quantity": "10000"}, "quantity", "MAX_QTY"),
        ({"price": "100.005"}, "price", "TICK_SIZE"),
        ({"quantity": "0.0001", "price": "100"}, "quantity", "MIN_NOTIONAL"),
        ({"type": "MARKET"}, "price", "PRICE_NOT_ALLOWED"),
        ({"type": "STOP_LOSS_LIMIT"}, "stopPrice", "STOP_PRICE_REQUIRED"),
        (
            {"time_in_force": "GTC", "type": "MARKET", "price": None},
            "timeInForce",
            "TIME_IN_FORCE_NOT_ALLOWED",
        ),
        ({"side": "SELL", "stop_loss": "50"}, "stopLoss", "PROTECTION_NOT_ALLOWED"),
        ({"stop_loss": "2000"}, "stopLoss", "INVALID_PROTECTION"),
    ],
)
def test_it_refuses_what_the_filters_forbid_naming_field_and_reason(
    trader, changes, field, reason
):
    order = {"type": "LIMIT", "quantity": "0.01", "price": "1000"}
    order.update(changes)
    order = {key: value for key, value in order.items() if value is not None}

    with pytest.raises(APIError) as refused:
        place(trader, **order)

    assert refused.value.status_code == 422
    assert reason in [r["code"] for r in refused.value.details[field]]


def test_it_refuses_a_stop_that_would_trigger_at_once(trader, source, btc):
    last = source.price(btc, now=NOW).price
    place(trader, quantity="0.01")

    with pytest.raises(APIError) as refused:
        place(
            trader,
            side="SELL",
            type="STOP_LOSS_LIMIT",
            quantity="0.01",
            price=str(last + 10),
            stop_price=str(last + 10),
        )

    assert refused.value.details["stopPrice"][0]["code"] == "WOULD_TRIGGER_IMMEDIATELY"


def test_it_answers_the_first_order_to_a_retry_with_the_same_client_id(trader):
    first = place(trader, quantity="0.01", client_order_id="retry-1")
    again = place(trader, quantity="0.01", client_order_id="retry-1")

    assert again.pk == first.pk
    assert trader.orders.count() == 1
    assert_books_balance(trader)


def get_account_funded(user, asset, amount):
    from trading.services.fund_account import fund, get_account

    fund(get_account(user), asset, amount)
