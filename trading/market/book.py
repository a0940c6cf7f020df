"""An order book and a trade tape synthesised around the last price.

Sources that only hold candles (simulated, stored) answer books and trades from
here. Everything is keyed by (symbol, second) or (symbol, minute), so the same
instant always gives the same book, and the trades walk the same path of seconds
that the simulated minute in progress follows.
"""

import math

import numpy as np

from trading.market.candles import E8, e8_to_decimal
from trading.market.intervals import MINUTE_MS
from trading.market.simulated import _generator, _seed, market

# Distance of the i-th level from the touch, as a fraction of the price.
LEVEL_SPACING = 0.00004
LEVEL_SPACING_POWER = 1.15
SPREAD_TICKS = (1, 2, 3)
SPREAD_WEIGHTS = (0.8, 0.15, 0.05)


def best_quotes(spec, price_e8, now_ms):
    """Best bid and ask (e8): the last price on the bid, the ask a few ticks up."""
    rng = _generator(_seed(spec), 3, now_ms // 1000)
    tick = spec.tick_e8
    bid = max(price_e8 // tick * tick, tick)
    return bid, bid + tick * int(rng.choice(SPREAD_TICKS, p=SPREAD_WEIGHTS))


def _side(spec, rng, touch_e8, limit, direction):
    tick = spec.tick_e8
    step = spec.step_e8
    depth = np.arange(limit)
    spacing = (
        touch_e8
        * LEVEL_SPACING
        * depth**LEVEL_SPACING_POWER
        * rng.uniform(0.7, 1.3, limit)
        / tick
    )
    # At least one tick between levels, further apart the deeper they are.
    ticks = np.maximum.accumulate(np.maximum(np.rint(spacing), depth)).astype(np.int64)
    prices = touch_e8 + direction * ticks * tick
    keep = prices > 0
    mean_size = float(spec.sim_minute_volume) / 20
    sizes = mean_size * (1 + depth / 20) * rng.lognormal(0.0, 0.8, limit)
    quantities = np.maximum(np.rint(sizes * E8 / step), 1).astype(np.int64) * step
    pd, qd = spec.price_decimals, spec.qty_decimals
    return [
        (e8_to_decimal(p, pd), e8_to_decimal(q, qd))
        for p, q in zip(prices[keep].tolist(), quantities[keep].tolist(), strict=True)
    ]


def synthetic_book(spec, last_minute, limit, now):
    """``limit`` levels a side around the close of ``last_minute`` at ``now``."""
    from trading.market.base import OrderBook

    now_ms = int(now.timestamp() * 1000)
    bid, ask = best_quotes(spec, int(last_minute.close[-1]), now_ms)
    rng = _generator(_seed(spec), 4, now_ms // 1000)
    return OrderBook(
        symbol=spec.symbol,
        last_update_id=now_ms // 100,
        bids=_side(spec, rng, bid, limit, -1),
        asks=_side(spec, rng, ask, limit, 1),
        time=now,
    )


def synthetic_trades(spec, minutes, limit, now_ms):
    """One trade a second along the seconds path of each complete one-minute
    candle of ``minutes``, oldest first and cut at ``now_ms``; the newest
    ``limit``."""
    from trading.market.base import Trade, moment

    trades = []
    previous = None
    step = spec.step_e8
    for index in range(len(minutes)):
        candle = minutes.slice(index, index + 1)
        minute_open = int(candle.open_time[0])
        full = market.seconds(spec, minute_open, candle)
        rng = _generator(_seed(spec), 5, minute_open // MINUTE_MS)
        sizes = float(spec.sim_minute_volume) / 60 * rng.lognormal(0.0, 0.6, 60)
        for second in range(60):
            at = minute_open + second * 1000 + 999
            if at > now_ms:
                break
            price = int(full[second])
            seller = previous is not None and price < previous
            if previous is None or price == previous:
                seller = bool(rng.random() < 0.5)
            quantity = max(math.floor(sizes[second] * E8 / step), 1) * step
            trades.append(
                Trade(
                    id=minute_open // 1000 + second,
                    symbol=spec.symbol,
                    price=e8_to_decimal(price, spec.price_decimals),
                    quantity=e8_to_decimal(quantity, spec.qty_decimals),
                    time=moment(at),
                    is_buyer_maker=seller,
                )
            )
            previous = price
    return trades[-limit:]
