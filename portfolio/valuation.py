"""What holdings are worth in the quote asset, and at which price.

One rule values every figure of the portfolio: a holding is worth its quantity
times its price, rounded half-even to 1e-8 (:func:`value_e8`). Past instants are
priced at the close of the last one-minute candle closed by then
(:func:`price_e8_at`), which is what both the snapshot job and the rebuild use;
the live views use the source's current price.
"""

import logging
import threading
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
from django.conf import settings

from core.errors import APIError
from core.time import to_epoch_ms
from trading.amounts import to_unit
from trading.market import get_source
from trading.market.candles import E8, decimal_to_e8, e8_to_decimal, round_to
from trading.market.intervals import INTERVAL_MS, MINUTE_MS
from trading.market.symbols import UnknownSymbol, get_spec

logger = logging.getLogger(__name__)


def quote_asset():
    return settings.TRADING_QUOTE_ASSET


def value_e8(quantity_e8, price_e8):
    """``quantity * price`` in e8, rounded half-even (exact integer work)."""
    whole, rest = divmod(int(quantity_e8) * int(price_e8), E8)
    if rest * 2 > E8 or (rest * 2 == E8 and whole % 2):
        whole += 1
    return whole


def value(quantity, price):
    """The Decimal twin of :func:`value_e8`."""
    return to_unit(Decimal(quantity) * Decimal(price))


def _tick_close(spec, close_e8):
    return int(round_to(np.int64(close_e8), spec.tick_e8))


def minute_floor(ms):
    return int(ms) // MINUTE_MS * MINUTE_MS


def get_spec_or_none(symbol):
    try:
        return get_spec(symbol)
    except UnknownSymbol:
        return None


def spec_for(asset):
    """The symbol that prices ``asset`` in the quote asset, or None."""
    return get_spec_or_none(f"{asset}{quote_asset()}")


def price_e8_at(asset, ms, source=None):
    """The price of ``asset`` at instant ``ms`` (epoch ms) in e8: the close of
    the last one-minute candle closed by then, at the tick; None without one."""
    if asset == quote_asset():
        return E8
    spec = spec_for(asset)
    if spec is None:
        return None
    return symbol_price_at(spec, ms, source)


def symbol_price_at(spec, ms, source=None):
    """:func:`price_e8_at` of a symbol."""
    source = source or get_source()
    key = (spec.symbol, minute_floor(ms), id(source))
    price = _prices.get(key)
    if price is None:
        price = _closed_price(spec, key[1], source)
        if price is not None:
            with _prices_lock:
                if len(_prices) >= _PRICES_KEPT:
                    _prices.clear()
                _prices[key] = price
    return price


# A closed candle does not change: its price is kept per symbol, minute and
# source (a missing one is asked again next time).
_PRICES_KEPT = 20_000
_prices = {}
_prices_lock = threading.Lock()


def _closed_price(spec, minute_ms, source):
    # TODO: with the stored source, a minute the recorder has not written yet is
    # priced at the previous stored close; a rebuild after it is written values
    # that snapshot at the newer close, so rebuilt and stored can differ there.
    try:
        candles = source.klines(
            spec,
            "1m",
            end=minute_ms - MINUTE_MS,
            limit=1,
            now=datetime.fromtimestamp(minute_ms / 1000, UTC),
        )
    except APIError as error:
        logger.warning("No price of %s at %s: %s", spec.symbol, minute_ms, error)
        return None
    if not len(candles):
        return None
    return _tick_close(spec, candles.close[-1])


def minute_prices(asset, times_ms, source=None):
    """Prices (e8, or -1 where there is none) of ``asset`` at each of the
    sorted instants ``times_ms``: the figures of :func:`price_e8_at`."""
    times_ms = np.asarray(times_ms, dtype=np.int64)
    if asset == quote_asset():
        return np.full(len(times_ms), E8, dtype=np.int64)
    spec = spec_for(asset)
    if spec is None:
        return np.full(len(times_ms), -1, dtype=np.int64)
    return symbol_prices(spec, times_ms, source)


def symbol_prices(spec, times_ms, source=None, interval="1m"):
    """Prices (e8, or -1 where there is none) of a symbol at each of the sorted
    instants ``times_ms``, from candles read in batches: the same figures as
    :func:`symbol_price_at` at each instant. With a longer ``interval`` the
    instants must sit on its grid (the close of the candle that ends there is
    the close of its last minute)."""
    times_ms = np.asarray(times_ms, dtype=np.int64)
    prices = np.full(len(times_ms), -1, dtype=np.int64)
    if not len(times_ms):
        return prices
    source = source or get_source()
    size = INTERVAL_MS[interval]
    wanted = times_ms // size * size - size
    first, last = int(wanted[0]), int(wanted[-1])
    now = datetime.fromtimestamp((last + 2 * size) / 1000, UTC)
    opens, closes = [], []
    cursor = first
    while cursor <= last:
        batch = source.klines(
            spec, interval, start=cursor, end=last, limit=1000, now=now
        )
        if not len(batch):
            break
        opens.append(batch.open_time)
        closes.append(batch.close)
        cursor = int(batch.open_time[-1]) + size
    if opens:
        opens = np.concatenate(opens)
        closes = round_to(np.concatenate(closes).astype(np.int64), spec.tick_e8)
        index = np.searchsorted(opens, wanted, side="right") - 1
        found = index >= 0
        prices[found] = closes[index[found]]
    for i in np.flatnonzero(prices < 0):
        # Before the first candle read (a gap at the start): ask for the last
        # candle before that instant, as symbol_price_at does.
        price = symbol_price_at(spec, int(times_ms[i]), source)
        prices[i] = -1 if price is None else price
    return prices


def current_prices(assets, source=None):
    """``{asset: Decimal price or None}`` now, from the source's current price."""
    source = source or get_source()
    prices = {}
    for asset in assets:
        if asset == quote_asset():
            prices[asset] = Decimal(1)
            continue
        spec = spec_for(asset)
        if spec is None:
            prices[asset] = None
            continue
        try:
            prices[asset] = source.price(spec).price
        except APIError as error:
            logger.warning("No current price of %s: %s", spec.symbol, error)
            prices[asset] = None
    return prices


def flows_e8(deposit_rows, source=None):
    """Running external flows in e8 after each deposit ``(time, asset, e8)``."""
    running, totals = 0, []
    for time, asset, amount in deposit_rows:
        price = price_e8_at(asset, to_epoch_ms(time), source)
        if price is None:
            logger.warning(
                "Deposit of %s at %s has no price; counted as 0", asset, time
            )
            price = 0
        running += value_e8(amount, price)
        totals.append(running)
    return totals


def to_decimal(e8):
    return e8_to_decimal(int(e8))


def to_e8(amount):
    return decimal_to_e8(amount)
