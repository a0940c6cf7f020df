"""Exact amounts on both databases, the staff funding action, stats and the
owner's realtime notifications."""

import asyncio
from decimal import Decimal

import pytest
from channels.layers import get_channel_layer

from core import stats
from realtime.events import run_on_feed_loop, unpack, user_group
from tests.trading.conftest import assert_books_balance, balances, place
from trading.models import Balance, LedgerEntry
from trading.selectors import ledger_sums
from trading.services.fund_account import fund, get_account

pytestmark = pytest.mark.django_db


def test_it_keeps_large_amounts_exact_to_the_last_unit(trader):
    account = get_account(trader)
    for amount in ("12345678901.12345678", "0.00000001", "0.1", "0.2"):
        fund(account, "USDT", Decimal(amount))

    row = Balance.objects.get(account=account, asset="USDT")
    expected = Decimal("12345688901.42345679")
    assert row.available == expected
    assert ledger_sums(account)["USDT"] == (expected, 0)


def test_it_refuses_an_amount_finer_than_the_unit(trader):
    with pytest.raises(ValueError):
        LedgerEntry(
            account=get_account(trader), asset="X", kind="DEPOSIT", created_at=None
        )._meta.get_field("available_delta").get_prep_value(Decimal("0.000000001"))


def test_staff_fund_an_account_from_the_admin(admin_client, trader):
    account = get_account(trader)

    response = admin_client.post(
        "/admin/trading/account/",
        {
            "action": "fund_accounts",
            "_selected_action": [account.pk],
            "asset": "btc",
            "amount": "0.5",
        },
    )

    assert response.status_code == 302
    assert balances(trader)["BTC"] == (Decimal("0.5"), 0)
    assert_books_balance(trader)


def test_the_admin_pages_of_the_exchange_answer(admin_client, trader):
    order = place(trader, quantity="0.01")

    for path in (
        "/admin/trading/account/",
        "/admin/trading/balance/",
        "/admin/trading/ledgerentry/",
        "/admin/trading/order/",
        f"/admin/trading/order/{order.pk}/change/",
        "/admin/trading/position/",
    ):
        assert admin_client.get(path).status_code == 200, path


def test_it_registers_order_count_and_volume_figures(trader):
    order = place(trader, quantity="0.01")

    figures = stats.collect()

    assert figures["orders"] == 1
    assert figures["tradingVolume"] == order.cumulative_quote_qty


def test_the_owner_is_notified_when_an_order_fills(
    trader, django_capture_on_commit_callbacks
):
    # Listen on the loop the feed publishes from (pub/sub layers are per loop).
    layer = get_channel_layer()
    channel = run_on_feed_loop(layer.new_channel())
    run_on_feed_loop(layer.group_add(user_group(trader.pk), channel))
    get_account(trader)

    with django_capture_on_commit_callbacks(execute=True):
        order = place(trader, quantity="0.01")

    try:
        # The order's events travel together, as one message of the layer.
        received = run_on_feed_loop(asyncio.wait_for(layer.receive(channel), 5))
    finally:
        run_on_feed_loop(layer.group_discard(user_group(trader.pk), channel))
    events = [(m["event"], m["json"]) for m in unpack(received)]
    names = [name for name, _ in events]
    assert "order_update" in names and "balance_update" in names
    assert "notification" in names
    order_json = dict(events)["order_update"]
    assert str(order.pk) in order_json and '"status":"FILLED"' in order_json
    assert "Order filled" in dict(events)["notification"]
