"""Orders that arrive together share one transaction, and a refusal in a batch
never changes what its neighbours are answered."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from core.errors import APIError
from tests.trading.conftest import NOW, assert_books_balance, make_trader
from trading.market import get_source
from trading.models import Balance, Order, Position
from trading.services import group_commit
from trading.services.fund_account import get_account
from trading.services.place_order import OrderRequest, place_order


def _wait_for(condition, seconds=5):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.005)


def _join(threads):
    for thread in threads:
        thread.join(15)
        assert not thread.is_alive()


# The combiner on its own: its work is plain numbers, run by plain functions.


class Recorder:
    """A ``together`` that records what ran, batches apart from orders alone
    (batches of one); the first order runs alone and is held until released,
    so that the others queue behind it."""

    def __init__(self, refuse=(), unsure=False):
        self.refuse = set(refuse)
        self.unsure = unsure
        self.batches = []
        self.alone_runs = []
        self.entered = threading.Event()
        self.release = threading.Event()

    def together(self, works):
        if len(works) == 1:
            return [self.alone(works[0])]
        self.batches.append(list(works))
        if self.unsure:
            raise group_commit.MayHaveCommitted() from ConnectionError("lost")
        if self.refuse & set(works):
            raise ValueError("a batch with a refusal")
        return [work * 10 for work in works]

    def alone(self, work):
        if not self.entered.is_set():
            self.entered.set()
            self.release.wait(5)
        self.alone_runs.append(work)
        if work in self.refuse:
            raise ValueError(f"refused {work}")
        return work * 10


def _run_queued_behind_the_first(recorder, count, limit=16):
    combiner = group_commit.Combiner(recorder.together, limit)
    outcomes = {}

    def submit(index):
        try:
            outcomes[index] = ("ok", combiner.run(index))
        except Exception as exc:
            outcomes[index] = (type(exc).__name__, str(exc))

    threads = [threading.Thread(target=submit, args=(0,))]
    threads[0].start()
    _wait_for(recorder.entered.is_set)
    for index in range(1, count):
        threads.append(threading.Thread(target=submit, args=(index,)))
        threads[-1].start()
    _wait_for(lambda: combiner.waiting() == count - 1)

    recorder.release.set()
    _join(threads)
    return combiner, outcomes


def test_orders_queued_behind_a_running_one_run_as_one_batch():
    recorder = Recorder()

    combiner, outcomes = _run_queued_behind_the_first(recorder, 6)

    assert outcomes == {i: ("ok", i * 10) for i in range(6)}
    assert recorder.alone_runs == [0]
    assert [sorted(batch) for batch in recorder.batches] == [[1, 2, 3, 4, 5]]
    assert combiner.waiting() == 0 and not combiner.leading


def test_a_batch_is_never_larger_than_its_limit():
    recorder = Recorder()

    combiner, outcomes = _run_queued_behind_the_first(recorder, 8, limit=3)

    assert outcomes == {i: ("ok", i * 10) for i in range(8)}
    # 0 alone, then 7 queued: two batches of three and the last alone.
    assert [len(batch) for batch in recorder.batches] == [3, 3]
    assert len(recorder.alone_runs) == 2
    assert not combiner.leading


def test_a_refusal_in_a_batch_reruns_each_order_alone():
    recorder = Recorder(refuse={3})

    _, outcomes = _run_queued_behind_the_first(recorder, 5)

    assert outcomes[3] == ("ValueError", "refused 3")
    assert {i: outcomes[i] for i in (0, 1, 2, 4)} == {
        i: ("ok", i * 10) for i in (0, 1, 2, 4)
    }
    assert sorted(recorder.alone_runs) == [0, 1, 2, 3, 4]


def test_a_batch_that_may_have_committed_is_never_run_again():
    recorder = Recorder(unsure=True)

    _, outcomes = _run_queued_behind_the_first(recorder, 4)

    assert outcomes[0] == ("ok", 0)
    assert {outcomes[i] for i in (1, 2, 3)} == {("ConnectionError", "lost")}
    assert len(recorder.batches) == 1
    assert recorder.alone_runs == [0]


# Real orders on PostgreSQL, where the threads' transactions really overlap.


def _buy(user, quantity="0.01", key=None):
    request = OrderRequest("BTCUSDT", "BUY", "MARKET", Decimal(quantity))
    return place_order(
        user, request, idempotency_key=key, now=NOW, source=get_source("simulated")
    )[0]


def _transaction_of(order):
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM trading_order WHERE id = %s", [order.pk])
        return cursor.fetchone()[0]


def _waiting_on_locks():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


def _queued_behind_a_held_lock(holder, orders):
    """Buy for ``holder`` while another transaction holds its USDT row, so its
    order leads and waits; then place ``orders`` ((user, quantity) pairs, or
    (user, quantity, idempotency key)),
    which queue behind it, and release the row once they all wait. Answers
    the holder's outcome and the others', in order."""
    outcomes = [None] * (len(orders) + 1)

    def place(index, user, quantity, key=None):
        try:
            outcomes[index] = ("ok", _buy(user, quantity, key))
        except APIError as exc:
            outcomes[index] = ("refused", exc)
        finally:
            connection.close()

    locked, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            rows = Balance.objects.select_for_update().filter(
                account__user=holder, asset="USDT"
            )
            list(rows)
            locked.set()
            release.wait(10)
        connection.close()

    blocker = threading.Thread(target=hold)
    blocker.start()
    assert locked.wait(5)
    leader = threading.Thread(target=place, args=(0, holder, "0.01"))
    leader.start()
    # The holder's order leads as soon as it is queued, then waits on the row.
    _wait_for(lambda: _waiting_on_locks() == 1)
    threads = [
        threading.Thread(target=place, args=(index, *order))
        for index, order in enumerate(orders, start=1)
    ]
    for thread in threads:
        thread.start()
    _wait_for(lambda: group_commit.waiting("BTCUSDT") == len(orders))

    release.set()
    _join([blocker, leader, *threads])
    return outcomes


def _traders(*names):
    users = [make_trader(f"{name}@example.com") for name in names]
    for user in users:
        get_account(user)
    return users


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_orders_that_arrive_together_commit_in_one_transaction():
    holder, *traders = _traders("holder", "ann", "bob", "cy", "dee")

    outcomes = _queued_behind_a_held_lock(holder, [(u, "0.01") for u in traders])

    assert [kind for kind, _ in outcomes] == ["ok"] * 5
    orders = [order for _, order in outcomes]
    assert all(order.status == "FILLED" for order in orders)
    together = {_transaction_of(order) for order in orders[1:]}
    assert len(together) == 1
    assert _transaction_of(orders[0]) not in together
    for user in [holder, *traders]:
        assert_books_balance(user)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_refused_order_in_a_batch_leaves_its_neighbours_filled():
    holder, ann, poor, bob = _traders("holder", "ann", "poor", "bob")
    fresh = make_trader("fresh@example.com")  # no account yet: opened on first use

    outcomes = _queued_behind_a_held_lock(
        holder, [(ann, "0.01"), (poor, "5"), (bob, "0.01"), (fresh, "0.01")]
    )

    kind, refusal = outcomes[2]
    assert kind == "refused"
    assert refusal.details["quantity"][0]["code"] == "INSUFFICIENT_BALANCE"
    assert not Order.objects.filter(user=poor).exists()
    for index, user in ((0, holder), (1, ann), (3, bob), (4, fresh)):
        kind, order = outcomes[index]
        assert kind == "ok" and order.status == "FILLED", user.email
        assert_books_balance(user)
    assert_books_balance(poor)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_user_with_two_orders_in_one_batch_pays_for_both():
    holder, twice = _traders("holder", "twice")

    outcomes = _queued_behind_a_held_lock(holder, [(twice, "0.02"), (twice, "0.03")])

    assert [kind for kind, _ in outcomes] == ["ok"] * 3
    first, second = outcomes[1][1], outcomes[2][1]
    assert _transaction_of(first) == _transaction_of(second)
    btc = Balance.objects.get(account__user=twice, asset="BTC")
    assert btc.available == Decimal("0.05")
    position = Position.objects.get(user=twice, status="OPEN")
    assert position.quantity == Decimal("0.05")
    assert position.bought_qty == Decimal("0.05")
    assert_books_balance(twice)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_idempotency_key_in_a_batch_place_one_order():
    holder, retrier, ann = _traders("holder", "retrier", "ann")

    outcomes = _queued_behind_a_held_lock(
        holder,
        [(retrier, "0.01", "key-1"), (ann, "0.01"), (retrier, "0.01", "key-1")],
    )

    assert [kind for kind, _ in outcomes] == ["ok"] * 4
    assert outcomes[1][1].pk == outcomes[3][1].pk
    assert Order.objects.filter(user=retrier).count() == 1
    assert outcomes[2][1].status == "FILLED"
    for user in (holder, retrier, ann):
        assert_books_balance(user)
