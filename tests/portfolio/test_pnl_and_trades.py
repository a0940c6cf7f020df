"""Realized PnL from scripted fills (fees, positions closed in parts), its split
by day and symbol, and the trade statistics of performance."""

from datetime import timedelta
from decimal import Decimal

import pytest

from portfolio.services.performance import performance
from portfolio.services.pnl import pnl
from tests.portfolio.conftest import OPENED, trade
from trading.models import Fill, Position

# On the simulated market BTC rises over the first hours after OPENED + 1h
# and falls between +6h and +7h.
DAY1 = OPENED + timedelta(hours=1, seconds=30)


def _fill(order):
    fills = list(Fill.objects.filter(order=order))
    assert len(fills) == 1, "a small market order fills at the best level"
    return fills[0]


@pytest.fixture
def history(trader, account):
    """A win closed in two sells, a loss, and a position opened the next day."""
    buy1 = _fill(trade(trader, "BUY", "0.01", DAY1))
    sell1a = _fill(trade(trader, "SELL", "0.004", DAY1 + timedelta(hours=3)))
    sell1b = _fill(trade(trader, "SELL", "0.006", DAY1 + timedelta(hours=3, minutes=1)))
    buy2 = _fill(trade(trader, "BUY", "0.01", DAY1 + timedelta(hours=5)))
    sell2 = _fill(trade(trader, "SELL", "0.01", DAY1 + timedelta(hours=6)))
    buy3 = _fill(trade(trader, "BUY", "0.02", DAY1 + timedelta(days=1)))
    return buy1, sell1a, sell1b, buy2, sell2, buy3


def test_it_realizes_each_sale_over_the_entry_price_less_every_fee(trader, history):
    buy1, sell1a, sell1b, buy2, sell2, buy3 = history

    # by hand: what the sells made over the single buy price, less three fees
    win = (
        (sell1a.price - buy1.price) * Decimal("0.004")
        + (sell1b.price - buy1.price) * Decimal("0.006")
        - buy1.fee
        - sell1a.fee
        - sell1b.fee
    )
    loss = (sell2.price - buy2.price) * Decimal("0.01") - buy2.fee - sell2.fee
    assert win > 0 > loss, "the scripted times make one win and one loss"

    body = pnl(trader, "all", "day", now=DAY1 + timedelta(days=2))

    assert body["fees"] == sum(f.fee for f in history)
    days = {row["date"]: row for row in body["breakdown"]}
    first, second = DAY1.date().isoformat(), (DAY1 + timedelta(days=1)).date()
    assert days[first]["realizedPnl"] == win + loss
    assert days[first]["trades"] == 5
    # the next day only paid the fee of its buy
    assert days[second.isoformat()]["realizedPnl"] == -buy3.fee
    assert body["realizedPnl"] == win + loss - buy3.fee
    # and the closed positions say the same
    closed = Position.objects.filter(user=trader, status="CLOSED")
    assert sorted(p.realized_pnl for p in closed) == [loss, win]


def test_it_splits_by_symbol_with_the_unrealized_pnl_of_open_positions(trader, history):
    buy3 = history[-1]

    body = pnl(trader, "all", "symbol", now=DAY1 + timedelta(days=2))

    (btc,) = body["breakdown"]
    assert btc["symbol"] == "BTCUSDT"
    assert btc["trades"] == 6
    assert btc["totalPnl"] == btc["realizedPnl"] + btc["unrealizedPnl"]
    # unrealized at the current price: (price - 0.02 BTC's entry) * 0.02
    position = Position.objects.get(user=trader, status="OPEN")
    assert position.avg_entry_price == buy3.price
    assert body["unrealizedPnl"] == btc["unrealizedPnl"]
    assert body["totalPnl"] == body["realizedPnl"] + body["unrealizedPnl"]


def test_a_period_counts_only_its_own_fills(trader, history):
    buy3 = history[-1]

    body = pnl(trader, "1d", "day", now=DAY1 + timedelta(days=1, hours=7))

    assert body["realizedPnl"] == -buy3.fee
    assert [row["trades"] for row in body["breakdown"]] == [1]


def test_performance_counts_each_closed_position_as_a_trade(trader, history):
    buy1, sell1a, sell1b, buy2, sell2, _ = history
    win = Position.objects.get(user=trader, status="CLOSED", realized_pnl__gt=0)
    loss = Position.objects.get(user=trader, status="CLOSED", realized_pnl__lt=0)

    body = performance(trader, trader.paper, "all", now=DAY1 + timedelta(days=2))

    assert body["numberOfTrades"] == 2
    assert body["winningTrades"] == 1 and body["losingTrades"] == 1
    assert body["winRate"] == Decimal("0.5")
    assert body["profitFactor"] == (win.realized_pnl / -loss.realized_pnl).quantize(
        Decimal("1e-8")
    )
    assert body["averageWin"] == win.realized_pnl
    assert body["averageLoss"] == loss.realized_pnl
    assert body["bestTrade"]["pnl"] == win.realized_pnl
    assert body["worstTrade"]["pnl"] == loss.realized_pnl
    assert body["worstTrade"]["closedAt"] == sell2.created_at.isoformat().replace(
        "+00:00", "Z"
    )
