"""Fills get their keys from the sequence before they are written, so their
ledger entries go in the same round trip (PostgreSQL)."""

import os
import threading

import pytest
from django.db import connection

from tests.trading.conftest import place
from trading.models import Fill, LedgerEntry
from trading.services import sql
from trading.services.fund_account import fund, get_account

pytestmark = pytest.mark.postgres


def test_a_fills_entries_name_it(trader):
    fund(get_account(trader), "USDT", 1_000_000)
    order = place(trader, quantity="20")
    fills = list(order.fills.all())
    assert len(fills) >= 2

    for fill in fills:
        entries = LedgerEntry.objects.filter(fill=fill)
        assert {entry.asset for entry in entries} == {"BTC", "USDT"}
        assert all(entry.order_id == order.pk for entry in entries)
    # The order's fills read back in the order they were made (created_at, id).
    assert [fill.pk for fill in fills] == sorted(fill.pk for fill in fills)


@pytest.mark.django_db
def test_keys_are_never_handed_out_twice():
    # Two blocks of the same model stand for two processes.
    first, second = sql.KeyBlocks(Fill), sql.KeyBlocks(Fill)
    first.BLOCK = second.BLOCK = 8
    taken = []
    mutex = threading.Lock()

    def take(blocks):
        try:
            for _ in range(20):
                keys = blocks.take(3)
                with mutex:
                    taken.extend(keys)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=take, args=(blocks,))
        for blocks in (first, first, second, second)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert len(taken) == 4 * 20 * 3
    assert len(set(taken)) == len(taken)


@pytest.mark.django_db
def test_a_forked_child_takes_none_of_its_parents_keys():
    blocks = sql.key_blocks(Fill)
    blocks.take(1)
    assert blocks.free
    pid = os.fork()
    if pid == 0:
        # In the child: nothing the parent holds is left to hand out.
        os._exit(0 if not sql.key_blocks(Fill).free else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
