"""Profit and loss over a period: realized from the fills, unrealized from the
open positions at current prices.

The fills are replayed per symbol with the average-cost rules of trading's
positions: a buy moves the average entry price and costs its fee; a sell
realizes ``(price - average entry) * quantity closed`` less its fee. Summed over
a position's fills this is the position's own ``realized_pnl``.
"""

import logging
from collections import defaultdict

from core.time import isoformat, utc_now
from portfolio import periods, selectors
from portfolio.services.holdings import open_positions
from trading.amounts import ZERO, to_unit
from trading.choices import Side

logger = logging.getLogger(__name__)

GROUPS = ("day", "symbol")


def realized_by_fill(fills):
    """``[(fill row, realized pnl)]`` replaying ``fills`` (oldest first) as
    trading's positions account for them."""
    held = defaultdict(lambda: [ZERO, ZERO])  # symbol -> [quantity, avg entry]
    results = []
    for row in fills:
        _time, symbol, side, price, quantity, _quote, fee = row
        state = held[symbol]
        if side == Side.BUY:
            total = state[0] + quantity
            state[1] = to_unit((state[1] * state[0] + price * quantity) / total)
            state[0] = total
            realized = -fee
        else:
            closing = min(quantity, state[0])
            # A sale beyond what was bought here (a deposited holding) has no
            # entry price: only its fee counts.
            realized = to_unit((price - state[1]) * closing) - fee
            state[0] -= closing
            if state[0] == 0:
                state[1] = ZERO
        results.append((row, realized))
    return results


def _bucket():
    return {
        "realizedPnl": ZERO,
        "fees": ZERO,
        "volume": ZERO,
        "trades": 0,
    }


def pnl(user, period, group_by, now=None, source=None):
    now = now or utc_now()
    start = periods.window_start(period, now)
    buckets = defaultdict(_bucket)
    realized = fees = ZERO
    for row, result in realized_by_fill(selectors.fills_of(user, upto=now)):
        time, symbol = row[0], row[1]
        if start is not None and time < start:
            continue
        key = time.date().isoformat() if group_by == "day" else symbol
        bucket = buckets[key]
        bucket["realizedPnl"] += result
        bucket["fees"] += row[6]
        bucket["volume"] += row[5]
        bucket["trades"] += 1
        realized += result
        fees += row[6]

    positions, prices = open_positions(user, source)
    unrealized_by_symbol = defaultdict(lambda: ZERO)
    for position in positions:
        price = prices.get(position.symbol)
        if price is None:
            continue
        unrealized_by_symbol[position.symbol] += to_unit(
            (price - position.avg_entry_price) * position.quantity
        )
    unrealized = sum(unrealized_by_symbol.values(), ZERO)

    if group_by == "day":
        # TODO: days carry realized PnL only; the unrealized change of each day
        # needs the day-end valuations (EquityDay) joined in, not done yet.
        breakdown = [{"date": key, **buckets[key]} for key in sorted(buckets)]
    else:
        symbols = sorted(set(buckets) | set(unrealized_by_symbol))
        breakdown = []
        for symbol in symbols:
            bucket = buckets[symbol] if symbol in buckets else _bucket()
            open_pnl = unrealized_by_symbol.get(symbol, ZERO)
            breakdown.append(
                {
                    "symbol": symbol,
                    **bucket,
                    "unrealizedPnl": open_pnl,
                    "totalPnl": bucket["realizedPnl"] + open_pnl,
                }
            )
    return {
        "period": period,
        "groupBy": group_by,
        "startDate": isoformat(start) if start else None,
        "endDate": isoformat(now),
        "realizedPnl": realized,
        "unrealizedPnl": unrealized,
        "totalPnl": realized + unrealized,
        "fees": fees,
        "breakdown": breakdown,
    }
