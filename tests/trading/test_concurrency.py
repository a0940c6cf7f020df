"""Many requests on one account at once, on PostgreSQL where they really run in
parallel: no overdraft, no double fill, a ledger that still sums to balances."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from core.errors import APIError
from tests.trading.conftest import NOW, assert_books_balance, balances, make_trader
from trading.market import get_source
from trading.market.symbols import get_spec
from trading.models import Order
from trading.services.cancel_order import cancel_order
from trading.services.fund_account import get_account
from trading.services.match import match_symbol
from trading.services.place_order import OrderRequest, place_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# PostgreSQL's max_connections is shared with other test runs: at most this many
# threads (one connection each) work through the jobs, all started at once.
MAX_THREADS = 25


def run_together(jobs):
    """Run ``jobs`` on up to MAX_THREADS threads released together; answers
    their outcomes in order."""
    pending = list(enumerate(jobs))
    lock = threading.Lock()
    outcomes = [None] * len(jobs)
    workers = min(MAX_THREADS, len(jobs))
    barrier = threading.Barrier(workers)

    def run(index, job):
        try:
            outcomes[index] = ("ok", job())
        except APIError as exc:
            outcomes[index] = ("refused", exc)
        except Exception as exc:  # anything else is a failure of the test
            outcomes[index] = ("crashed", exc)

    def worker():
        try:
            barrier.wait()
            while True:
                with lock:
                    if not pending:
                        return
                    index, job = pending.pop(0)
                run(index, job)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return outcomes


def test_a_hundred_conflicting_orders_never_overdraw_the_account():
    trader = make_trader("race@example.com")
    get_account(trader)
    source = get_source("simulated")
    last = source.price("BTCUSDT", now=NOW).price
    # Each limit buy locks about 1,000 USDT of the 10,000: at most 9 fit.
    quantity = (Decimal(1000) / last).quantize(Decimal("0.00001"))

    def buy(index):
        side = "BUY" if index % 4 else "SELL"
        request = OrderRequest(
            symbol="BTCUSDT",
            side=side,
            type="LIMIT" if index % 2 else "MARKET",
            quantity=quantity,
            price=last if index % 2 else None,
        )
        return place_order(trader, request, now=NOW, source=source)[0]

    outcomes = run_together([lambda i=i: buy(i) for i in range(100)])

    crashed = [o for o in outcomes if o[0] == "crashed"]
    assert not crashed, crashed
    refused = [o[1] for o in outcomes if o[0] == "refused"]
    assert refused and all(
        e.details["quantity"][0]["code"] == "INSUFFICIENT_BALANCE" for e in refused
    )
    assert_books_balance(trader)
    usdt = balances(trader)["USDT"]
    assert usdt[0] >= 0 and usdt[0] + usdt[1] <= Decimal(10000)


def test_a_cancel_racing_a_fill_leaves_one_winner():
    trader = make_trader("cancel-race@example.com")
    get_account(trader)
    source = get_source("simulated")
    spec = get_spec("BTCUSDT")
    last = source.price(spec, now=NOW).price

    for _ in range(15):
        order, _ = place_order(
            trader,
            OrderRequest("BTCUSDT", "BUY", "LIMIT", Decimal("0.01"), price=last - 1),
            now=NOW,
            source=source,
        )
        outcomes = run_together(
            [
                lambda order=order: cancel_order(trader, order.pk),
                lambda: match_symbol(spec, last - 2, NOW),
            ]
        )

        assert not [o for o in outcomes if o[0] == "crashed"], outcomes
        order.refresh_from_db()
        fills = order.fills.count()
        assert (order.status, fills) in {("CANCELED", 0), ("FILLED", 1)}
        if order.status == "FILLED":
            assert outcomes[0][0] == "refused"
        assert_books_balance(trader)
    assert Order.objects.filter(user=trader).count() == 15
