"""The matching pass: resting limits fill when the price crosses them (maker
fee), stops trigger, protective exits cancel each other, positions follow."""

from decimal import ROUND_DOWN, Decimal

import pytest
from django.test import override_settings

from core.errors import APIError
from tests.trading.conftest import NOW, assert_books_balance, balances, place
from trading.models import Order, Position
from trading.services.cancel_order import cancel_order
from trading.services.close_position import close_position
from trading.services.match import match_all, match_symbol

pytestmark = pytest.mark.django_db

D = Decimal
E8 = D("0.00000001")


@override_settings(TRADING_MAKER_FEE="0.0005")
def test_it_fills_a_resting_limit_buy_when_the_price_reaches_it_with_the_maker_fee(
    trader, source, btc
):
    last = source.price(btc, now=NOW).price
    order = place(trader, type="LIMIT", quantity="0.01", price=str(last))
    assert order.status == "NEW"  # the ask is above the last price

    result = match_all(now=NOW, source=source)

    order.refresh_from_db()
    assert order.pk in result.filled and order.status == "FILLED"
    [fill] = order.fills.all()
    notional = last * D("0.01")
    assert fill.is_maker and fill.price == last
    assert fill.fee == (notional * D("0.0005")).quantize(E8, rounding=ROUND_DOWN)
    assert balances(trader) == {
        "USDT": (D("10000") - notional - fill.fee, 0),
        "BTC": (D("0.01"), 0),
    }
    assert_books_balance(trader)


def test_it_leaves_a_resting_order_the_price_has_not_crossed(trader, source, btc):
    last = source.price(btc, now=NOW).price
    order = place(trader, type="LIMIT", quantity="0.01", price=str(last - 50))

    match_symbol(btc, last - D("49.99"), NOW)

    order.refresh_from_db()
    assert order.status == "NEW"


def test_it_cancels_a_resting_order_and_releases_its_lock(trader, source, btc):
    last = source.price(btc, now=NOW).price
    order = place(trader, type="LIMIT", quantity="0.01", price=str(last - 50))

    cancel_order(trader, order.pk)

    order.refresh_from_db()
    assert order.status == "CANCELED" and order.locked_amount == 0
    assert balances(trader)["USDT"] == (D("10000"), 0)
    match_symbol(btc, last - 100, NOW)
    order.refresh_from_db()
    assert order.status == "CANCELED" and order.fills.count() == 0
    assert_books_balance(trader)


def test_it_refuses_to_cancel_a_filled_order(trader):
    order = place(trader, quantity="0.01")

    with pytest.raises(APIError) as refused:
        cancel_order(trader, order.pk)

    assert refused.value.details["orderId"][0]["code"] == "ORDER_NOT_CANCELABLE"


def test_it_triggers_a_stop_loss_and_fills_it_at_its_limit(trader, source, btc):
    last = source.price(btc, now=NOW).price
    place(trader, quantity="0.01")
    stop = place(
        trader,
        side="SELL",
        type="STOP_LOSS_LIMIT",
        quantity="0.01",
        price=str(last - 100),
        stop_price=str(last - 100),
    )
    assert balances(trader)["BTC"] == (0, D("0.01"))

    match_symbol(btc, last - 99, NOW)
    stop.refresh_from_db()
    assert stop.triggered_at is None

    result = match_symbol(btc, last - 100, NOW)

    stop.refresh_from_db()
    assert stop.pk in result.triggered and stop.pk in result.filled
    assert stop.status == "FILLED" and stop.fills.get().price == last - 100
    assert balances(trader)["BTC"] == (0, 0)
    position = Position.objects.get(user=trader)
    assert position.status == "CLOSED" and position.quantity == 0
    assert_books_balance(trader)


def test_it_triggers_a_take_profit_when_the_price_rises(trader, source, btc):
    last = source.price(btc, now=NOW).price
    place(trader, quantity="0.01")
    take = place(
        trader,
        side="SELL",
        type="TAKE_PROFIT_LIMIT",
        quantity="0.01",
        price=str(last + 200),
        stop_price=str(last + 200),
    )

    match_symbol(btc, last + 250, NOW)

    take.refresh_from_db()
    assert take.triggered_at is not None and take.status == "FILLED"
    assert take.fills.get().price == last + 200
    assert_books_balance(trader)


def test_it_places_protective_exits_that_cancel_each_other(trader, source, btc):
    last = source.price(btc, now=NOW).price
    entry = place(
        trader,
        quantity="0.01",
        stop_loss=str(last - 300),
        take_profit=str(last + 300),
    )
    loss, profit = (
        Order.objects.get(parent=entry, type="STOP_LOSS_LIMIT"),
        Order.objects.get(parent=entry, type="TAKE_PROFIT_LIMIT"),
    )
    assert (loss.status, profit.status) == ("NEW", "NEW")
    assert loss.quantity == entry.executed_qty == D("0.01")
    # One holding, locked once for both exits.
    assert balances(trader)["BTC"] == (0, D("0.01"))
    position = Position.objects.get(user=trader)
    assert position.stop_loss_order == loss and position.take_profit_order == profit

    match_symbol(btc, last - 300, NOW)

    loss.refresh_from_db()
    profit.refresh_from_db()
    assert loss.status == "FILLED" and profit.status == "CANCELED"
    assert balances(trader)["BTC"] == (0, 0)
    assert_books_balance(trader)


def test_it_hands_the_lock_to_the_other_exit_when_one_is_canceled(trader, source, btc):
    last = source.price(btc, now=NOW).price
    entry = place(
        trader, quantity="0.01", stop_loss=str(last - 300), take_profit=str(last + 300)
    )
    loss = Order.objects.get(parent=entry, type="STOP_LOSS_LIMIT")
    profit = Order.objects.get(parent=entry, type="TAKE_PROFIT_LIMIT")

    cancel_order(trader, loss.pk)

    profit.refresh_from_db()
    assert profit.status == "NEW" and profit.locked_amount == D("0.01")
    assert balances(trader)["BTC"] == (0, D("0.01"))
    assert_books_balance(trader)


def test_it_tracks_a_position_from_open_to_closed_with_its_pnl(trader, source, btc):
    last = source.price(btc, now=NOW).price
    first = place(trader, type="LIMIT", quantity="0.01", price=str(last))
    second = place(trader, type="LIMIT", quantity="0.03", price=str(last - 40))
    match_symbol(btc, last - 40, NOW)
    position = Position.objects.get(user=trader)
    first.refresh_from_db()
    second.refresh_from_db()
    fees = first.fee_total + second.fee_total
    average = (last * D("0.01") + (last - 40) * D("0.03")) / D("0.04")
    assert position.quantity == D("0.04")
    assert position.avg_entry_price == average.quantize(E8)

    sell = place(
        trader, side="SELL", type="LIMIT", quantity="0.01", price=str(last + 100)
    )
    match_symbol(btc, last + 100, NOW)

    position.refresh_from_db()
    sell.refresh_from_db()
    assert position.status == "OPEN" and position.quantity == D("0.03")
    expected = ((last + 100 - position.avg_entry_price) * D("0.01")).quantize(E8)
    assert position.realized_pnl == expected - fees - sell.fee_total

    order, closed = close_position(trader, position.pk, now=NOW, source=source)

    assert order.side == "SELL" and order.quantity == D("0.03")
    assert closed.status == "CLOSED" and closed.quantity == 0
    assert closed.closed_at is not None
    assert balances(trader)["BTC"] == (0, 0)
    assert Position.objects.filter(user=trader).count() == 1  # kept as history
    assert_books_balance(trader)


def test_it_opens_a_new_position_after_the_last_one_closed(trader):
    place(trader, quantity="0.01")
    place(trader, side="SELL", quantity="0.01")
    place(trader, quantity="0.02")

    statuses = sorted(Position.objects.filter(user=trader).values_list("status"))
    assert statuses == [("CLOSED",), ("OPEN",)]
    assert_books_balance(trader)
