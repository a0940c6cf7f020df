"""The account as it stands: balances valued at current prices, the portfolio
overview with its day change, and the allocation."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from core.errors import APIError
from core.time import isoformat, to_epoch_ms, utc_now
from portfolio import selectors, valuation
from portfolio.services.snapshots import equity_e8
from trading import presenters
from trading import selectors as trading_selectors
from trading.amounts import ZERO, plain
from trading.market import get_source

logger = logging.getLogger(__name__)

WEIGHT = Decimal("1e-8")
PERCENT = Decimal("1e-4")


@dataclass(frozen=True)
class Holding:
    asset: str
    free: Decimal
    locked: Decimal
    price: Decimal | None
    value: Decimal | None

    @property
    def total(self):
        return self.free + self.locked


@dataclass(frozen=True)
class Valued:
    holdings: list
    cash: Decimal
    equity: Decimal
    unpriced: list


def weight(part, whole):
    if not whole or part is None:
        return ZERO
    return (part / whole).quantize(WEIGHT)


def valued_balances(user, source=None):
    """The user's balances at current prices. An asset without a price (no
    symbol against the quote asset, or no market data) is listed as unpriced
    and left out of the equity, never counted as worth zero silently."""
    rows = [row for row in trading_selectors.balances_of(user) if row.total]
    prices = valuation.current_prices([row.asset for row in rows], source)
    quote = valuation.quote_asset()
    holdings, unpriced = [], []
    cash = equity = ZERO
    for row in rows:
        price = prices.get(row.asset)
        value = None if price is None else valuation.value(row.total, price)
        holdings.append(Holding(row.asset, row.available, row.locked, price, value))
        if value is None:
            unpriced.append(row.asset)
            continue
        equity += value
        if row.asset == quote:
            cash += value
    holdings.sort(key=lambda h: (h.value is None, -(h.value or 0), h.asset))
    return Valued(holdings, cash, equity, unpriced)


def balance(user, source=None):
    valued = valued_balances(user, source)
    return {
        "quoteAsset": valuation.quote_asset(),
        "totalValue": valued.equity,
        "balances": [
            {
                "asset": h.asset,
                "free": plain(h.free),
                "locked": plain(h.locked),
                "total": plain(h.total),
                "price": h.price,
                "usdtValue": h.value,
            }
            for h in valued.holdings
        ],
        "unpricedAssets": valued.unpriced,
        "updatedAt": isoformat(utc_now()),
    }


def open_positions(user, source):
    source = source or get_source()
    positions = list(trading_selectors.positions_of(user))
    prices = {}
    for position in positions:
        if position.symbol not in prices:
            spec = valuation.get_spec_or_none(position.symbol)
            try:
                prices[position.symbol] = (
                    source.price(spec).price if spec is not None else None
                )
            except APIError:
                logger.warning("No current price of %s", position.symbol)
                prices[position.symbol] = None
    return positions, prices


def day_change(account, equity_now, now, source=None):
    """Equity now less the equity a day ago (valued at that time's closed
    candles) and less the deposits in between: ``(change, percent)`` with the
    percent of the equity a day ago plus those deposits."""
    if account is None:
        return ZERO, ZERO
    then = now - timedelta(days=1)
    then_ms = to_epoch_ms(then)
    totals = selectors.ledger_totals(then, [account.pk]).get(account.pk, {})
    prices = {
        asset: valuation.price_e8_at(asset, then_ms, source)
        for asset, total in totals.items()
        if total
    }
    equity_then = valuation.to_decimal(equity_e8(totals, prices)[0])
    arrivals = [
        row
        for row in selectors.deposits(now, [account.pk]).get(account.pk, [])
        if row[0] > then
    ]
    flows = valuation.flows_e8(arrivals, source)
    inflow = valuation.to_decimal(flows[-1] if flows else 0)
    change = equity_now - equity_then - inflow
    base = equity_then + inflow
    percent = (change * 100 / base).quantize(PERCENT) if base > 0 else ZERO
    return change, percent


def overview(user, source=None, now=None):
    now = now or utc_now()
    valued = valued_balances(user, source)
    positions, prices = open_positions(user, source)
    bodies = [
        presenters.position_body(position, prices.get(position.symbol))
        for position in positions
    ]
    unrealized = sum((body["unrealizedPnl"] or ZERO for body in bodies), ZERO)
    change, percent = day_change(
        trading_selectors.account_of(user), valued.equity, now, source
    )
    return {
        "quoteAsset": valuation.quote_asset(),
        "totalEquity": valued.equity,
        "cash": valued.cash,
        "invested": valued.equity - valued.cash,
        "unrealizedPnl": unrealized,
        "dayChange": change,
        "dayChangePercent": percent,
        "holdings": [
            {
                "asset": h.asset,
                "quantity": plain(h.total),
                "free": plain(h.free),
                "locked": plain(h.locked),
                "price": h.price,
                "value": h.value,
                "weight": weight(h.value, valued.equity),
            }
            for h in valued.holdings
        ],
        "openPositions": bodies,
        "unpricedAssets": valued.unpriced,
        "updatedAt": isoformat(now),
    }


def allocation(user, source=None):
    valued = valued_balances(user, source)
    positions, prices = open_positions(user, source)
    equity = valued.equity
    by_symbol = []
    for position in positions:
        price = prices.get(position.symbol)
        value = None if price is None else valuation.value(position.quantity, price)
        by_symbol.append(
            {
                "symbol": position.symbol,
                "quantity": plain(position.quantity),
                "value": value,
                "weight": weight(value, equity),
            }
        )
    by_symbol.sort(key=lambda row: -(row["value"] or 0))
    invested = equity - valued.cash
    return {
        "quoteAsset": valuation.quote_asset(),
        "totalEquity": equity,
        "byAsset": [
            {"asset": h.asset, "value": h.value, "weight": weight(h.value, equity)}
            for h in valued.holdings
        ],
        "bySymbol": by_symbol,
        "cashVsInvested": {
            "cash": valued.cash,
            "invested": invested,
            "cashWeight": weight(valued.cash, equity),
            "investedWeight": weight(invested, equity),
        },
        "unpricedAssets": valued.unpriced,
    }
