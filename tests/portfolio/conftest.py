"""Actors for the portfolio tests: a trader whose paper account opened at a
pinned instant, orders placed at chosen instants on the simulated market (a
pure function of symbol and time), and snapshots written as the job would."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from accounts.models import User
from portfolio.models import EquitySnapshot
from trading.market import get_source
from trading.models import LedgerEntry
from trading.services.fund_account import fund, get_account
from trading.services.place_order import OrderRequest, place_order

OPENED = datetime(2024, 3, 1, 11, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _simulated_market(settings):
    settings.MARKET_DATA_SOURCE = "simulated"
    settings.TRADING_STARTING_BALANCE = "10000"
    settings.PORTFOLIO_SNAPSHOT_INTERVAL_S = 60
    settings.PORTFOLIO_RISK_FREE_RATE = "0"


@pytest.fixture
def source():
    return get_source("simulated")


@pytest.fixture
def trader(db):
    return User.objects.create_user("pia@example.com", "a-Strong-pass-42")


@pytest.fixture
def account(trader):
    """The trader's account, its opening deposit moved to OPENED."""
    account = get_account(trader)
    LedgerEntry.objects.filter(account=account).update(created_at=OPENED)
    return account


def deposit(account, asset, amount, at):
    """A deposit (staff funding) recorded at ``at``."""
    fund(account, asset, Decimal(amount))
    entry = LedgerEntry.objects.filter(account=account).order_by("-id").first()
    entry.created_at = at
    entry.save(update_fields=["created_at"])
    return entry


def trade(user, side, quantity, at, symbol="BTCUSDT", **kw):
    """A MARKET order placed at ``at`` on the simulated market."""
    order, _ = place_order(
        user,
        OrderRequest(
            symbol=symbol,
            side=side,
            type=kw.pop("type", "MARKET"),
            quantity=Decimal(quantity),
            **kw,
        ),
        now=at,
        source=get_source("simulated"),
    )
    return order


def snapshot(account, at, equity, flows):
    return EquitySnapshot.objects.create(
        account=account,
        time=at,
        equity=Decimal(equity),
        cash=Decimal(0),
        net_flows=Decimal(flows),
    )
