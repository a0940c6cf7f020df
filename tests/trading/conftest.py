"""Actors and checks for the paper exchange tests.

Prices come from the simulated market pinned at ``NOW`` (it is a pure function
of symbol and time), and tests compute what they expect from the same book.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from accounts.models import User
from trading.choices import ACTIVE_STATUSES
from trading.market import get_source
from trading.market.symbols import get_spec
from trading.models import Balance, Order
from trading.selectors import ledger_sums
from trading.services.fund_account import get_account
from trading.services.place_order import OrderRequest, place_order

NOW = datetime(2024, 3, 1, 12, 0, 30, tzinfo=UTC)


@pytest.fixture
def source():
    return get_source("simulated")


@pytest.fixture
def btc():
    return get_spec("BTCUSDT")


def make_trader(email):
    return User.objects.create_user(email, "a-Strong-pass-42")


@pytest.fixture
def trader(db):
    return make_trader("tess@example.com")


@pytest.fixture
def other_trader(db):
    return make_trader("otto@example.com")


def place(user, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01", **kw):
    """Place an order at NOW (or ``now``) on the simulated market."""
    now = kw.pop("now", NOW)
    for name in ("price", "stop_price", "stop_loss", "take_profit"):
        if kw.get(name) is not None:
            kw[name] = Decimal(kw[name])
    request = OrderRequest(
        symbol=symbol, side=side, type=type, quantity=Decimal(quantity), **kw
    )
    order, _ = place_order(user, request, now=now, source=get_source("simulated"))
    return order


def balances(user):
    return {
        row.asset: (row.available, row.locked)
        for row in Balance.objects.filter(account__user=user)
    }


def assert_books_balance(user):
    """Balances equal their ledger sums exactly, none is negative, and what is
    locked is exactly what the user's active orders hold."""
    account = get_account(user)
    sums = ledger_sums(account)
    rows = balances(user)
    assert set(sums) <= set(rows)
    for asset, (available, locked) in rows.items():
        # A row made for an order that changed nothing has no entries: zero.
        assert sums.get(asset, (0, 0)) == (available, locked), asset
        assert available >= 0 and locked >= 0, asset
        held = sum(
            (
                order.locked_amount
                for order in Order.objects.filter(
                    user=user, status__in=ACTIVE_STATUSES, locked_asset=asset
                )
            ),
            Decimal(0),
        )
        assert held == locked, asset


def walk_expected(levels, quantity, limit=None, buy=True):
    """An independent walk of ``levels`` for the expected fills."""
    fills, remaining = [], Decimal(quantity)
    for price, size in levels:
        if remaining <= 0:
            break
        if limit is not None and (price > limit if buy else price < limit):
            break
        take = min(size, remaining)
        fills.append((price, take))
        remaining -= take
    return fills
