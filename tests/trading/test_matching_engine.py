"""The matching engine beyond the price of the moment: moves between two passes,
triggered stops that take the book, exits of a partly filled entry, and passes
that fill many accounts at once."""

from datetime import timedelta
from decimal import ROUND_DOWN, ROUND_UP, Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from core.time import to_epoch_ms
from tests.trading.conftest import (
    NOW,
    assert_books_balance,
    balances,
    make_trader,
    place,
)
from trading.market.base import OrderBook
from trading.market.candles import e8_to_decimal
from trading.models import Order
from trading.services.cancel_order import cancel_order
from trading.services.match import match_all, match_symbol

pytestmark = pytest.mark.django_db

D = Decimal
E8 = D("0.00000001")


@pytest.fixture(autouse=True)
def no_previous_pass():
    """Each test starts without a recorded previous pass (the cache outlives
    the database rollback between tests)."""
    cache.clear()
    yield
    cache.clear()


def fee(notional, rate):
    return (notional * D(rate)).quantize(E8, rounding=ROUND_DOWN)


def a_dip_between_passes(source, btc):
    """A moment to place a BUY limit at a price that the market then fell to
    and left again before NOW: ``(placed_at, price)``, with the market above
    the price both when it is placed and at NOW."""
    now_price = source.price(btc, now=NOW).price
    for minutes_back in range(30, 5, -1):
        placed_at = NOW - timedelta(minutes=minutes_back)
        start = to_epoch_ms(placed_at) // 60_000 * 60_000 + 60_000
        candles = source.klines(btc, "1m", start=start, end=to_epoch_ms(NOW), now=NOW)
        low = e8_to_decimal(min(int(v) for v in candles.low))
        price = low.quantize(btc.tick_size, rounding=ROUND_UP)
        book = source.orderbook(btc, limit=100, now=placed_at)
        if book.asks[0][0] > price and now_price > price:
            return placed_at, price
    raise AssertionError("the simulated market has no dip before NOW")


def test_it_fills_a_limit_the_price_crossed_and_left_between_two_passes(
    trader, source, btc
):
    placed_at, price = a_dip_between_passes(source, btc)
    order = place(
        trader, type="LIMIT", quantity="0.01", price=str(price), now=placed_at
    )
    assert order.status == "NEW"
    # Placed then, as the pass sees it (created_at is the wall clock).
    Order.objects.filter(pk=order.pk).update(created_at=placed_at)

    match_symbol(btc, source.price(btc, now=NOW).price, NOW)
    order.refresh_from_db()
    assert order.status == "NEW"  # the price of the moment alone misses it

    result = match_all(now=NOW, source=source)

    order.refresh_from_db()
    assert order.pk in result.filled and order.status == "FILLED"
    [fill] = order.fills.all()
    assert (fill.price, fill.quantity, fill.is_maker) == (price, D("0.01"), True)
    assert_books_balance(trader)


def test_it_never_fills_on_a_move_made_before_the_order_existed(trader, source, btc):
    placed_at, price = a_dip_between_passes(source, btc)
    order = place(trader, type="LIMIT", quantity="0.01", price=str(price), now=NOW)
    assert order.status == "NEW"

    match_all(now=NOW, source=source)

    order.refresh_from_db()
    assert order.status == "NEW" and order.fills.count() == 0
    assert_books_balance(trader)


def book_with_bids(symbol, bids):
    return OrderBook(symbol=symbol, last_update_id=1, bids=bids, asks=[])


@override_settings(TRADING_TAKER_FEE="0.002", TRADING_MAKER_FEE="0.0005")
def test_a_triggered_stop_takes_the_book_as_a_taker_then_rests_as_a_maker(
    trader, source, btc
):
    last = source.price(btc, now=NOW).price
    place(trader, quantity="0.01")
    limit = last - 105
    stop = place(
        trader,
        side="SELL",
        type="STOP_LOSS_LIMIT",
        quantity="0.01",
        price=str(limit),
        stop_price=str(last - 100),
    )
    book = book_with_bids(
        "BTCUSDT",
        [(limit + 2, D("0.003")), (limit, D("0.002")), (limit - 1, D("5"))],
    )

    # The last trade went through the stop and below the limit; bids remain
    # above the limit, down to it.
    result = match_symbol(btc, limit - 1, NOW, book=book)

    stop.refresh_from_db()
    assert stop.pk in result.triggered and stop.pk not in result.filled
    assert stop.status == "PARTIALLY_FILLED" and stop.triggered_at is not None
    taken = [(f.price, f.quantity, f.is_maker, f.fee) for f in stop.fills.all()]
    assert taken == [
        (limit + 2, D("0.003"), False, fee((limit + 2) * D("0.003"), "0.002")),
        (limit, D("0.002"), False, fee(limit * D("0.002"), "0.002")),
    ]
    assert stop.locked_amount == D("0.005")
    assert balances(trader)["BTC"] == (0, D("0.005"))
    assert_books_balance(trader)

    match_symbol(btc, limit, NOW)

    stop.refresh_from_db()
    assert stop.status == "FILLED"
    rest = stop.fills.order_by("id").last()
    assert (rest.price, rest.quantity, rest.is_maker) == (limit, D("0.005"), True)
    assert rest.fee == fee(limit * D("0.005"), "0.0005")
    assert balances(trader)["BTC"] == (0, 0)
    assert_books_balance(trader)


def test_two_stops_triggered_in_one_pass_do_not_take_the_same_liquidity(
    source, btc, db
):
    last = source.price(btc, now=NOW).price
    limit = last - 105
    first, second = make_trader("first@example.com"), make_trader("second@x.com")
    stops = []
    for trader in (first, second):
        place(trader, quantity="0.01")
        stops.append(
            place(
                trader,
                side="SELL",
                type="STOP_LOSS_LIMIT",
                quantity="0.01",
                price=str(limit),
                stop_price=str(last - 100),
            )
        )
    book = book_with_bids("BTCUSDT", [(limit + 1, D("0.012"))])

    match_symbol(btc, limit - 1, NOW, book=book)

    taken = []
    for stop in stops:
        stop.refresh_from_db()
        taken.append(stop.executed_qty)
    assert sorted(taken) == [D("0.002"), D("0.01")]
    assert_books_balance(first)
    assert_books_balance(second)


def test_it_protects_what_a_partly_filled_entry_bought_when_the_rest_is_canceled(
    trader, source, btc
):
    book = source.orderbook(btc, limit=100, now=NOW)
    price, size = book.asks[0]
    from trading.services.fund_account import fund, get_account

    fund(get_account(trader), "USDT", D("1000000"))
    entry = place(
        trader,
        type="LIMIT",
        quantity=str(size + D("0.01")),
        price=str(price),
        stop_loss=str(price - 300),
        take_profit=str(price + 300),
    )
    assert entry.status == "PARTIALLY_FILLED"
    assert not Order.objects.filter(parent=entry).exists()

    cancel_order(trader, entry.pk)

    exits = Order.objects.filter(parent=entry).order_by("type")
    assert [(o.type, o.status, o.quantity) for o in exits] == [
        ("STOP_LOSS_LIMIT", "NEW", size),
        ("TAKE_PROFIT_LIMIT", "NEW", size),
    ]
    assert balances(trader)["BTC"] == (0, size)
    assert_books_balance(trader)


def resting_buys(count, source, btc):
    last = source.price(btc, now=NOW).price
    traders = [make_trader(f"rest-{count}-{i}@example.com") for i in range(count)]
    for trader in traders:
        for offset in (50, 51):
            place(trader, type="LIMIT", quantity="0.01", price=str(last - offset))
    return traders, last


def test_a_pass_fills_many_accounts_in_the_same_few_statements(source, btc, db):
    few, last = resting_buys(2, source, btc)
    with CaptureQueriesContext(connection) as for_few:
        small = match_symbol(btc, last - 60, NOW)
    # Four times the accounts: every table's rows still fit one multi-row
    # statement of each kind (trading.services.sql.CHUNK_SIZES).
    many, _ = resting_buys(8, source, btc)
    with CaptureQueriesContext(connection) as for_many:
        large = match_symbol(btc, last - 60, NOW)

    assert len(small.filled) == 4 and len(large.filled) == 16
    assert len(for_many.captured_queries) == len(for_few.captured_queries)
    for trader in few + many:
        assert Order.objects.filter(user=trader, status="FILLED").count() == 2
        assert balances(trader)["BTC"] == (D("0.02"), 0)
        assert_books_balance(trader)


def test_a_market_order_costs_a_fixed_handful_of_statements(trader):
    place(trader, quantity="0.001")  # opens the account and its rows

    with CaptureQueriesContext(connection) as queries:
        order = place(trader, quantity="0.001")

    assert order.status == "FILLED"
    # Savepoint and release, the balance lock, the position, then the order,
    # its fills, their ledger entries, the position and the balances.
    assert len(queries.captured_queries) <= 10
