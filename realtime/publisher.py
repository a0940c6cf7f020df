"""The market feed: prices, trades and order books pushed to subscribed clients.

Embedded, the publisher is a task on the server's own event loop, started when the
first client connects. In service mode it is its own process (``manage.py
run_feed``) publishing through channels-redis to every daphne process.
"""

import asyncio
import logging
import time

from asgiref.sync import sync_to_async
from django.conf import settings

from realtime import events

logger = logging.getLogger(__name__)


def _side(trade):
    # The taker's side: a buyer who is the maker means the taker sold.
    return "SELL" if trade.is_buyer_maker else "BUY"


class MarketPublisher:
    """One ``tick()`` publishes a price per symbol, the trades printed since the
    last tick and, every ``book_every`` ticks, the top of each order book."""

    def __init__(self, source=None, symbols=None, book_every=None, book_depth=10):
        self._source = source
        self._symbols = symbols
        self.book_every = book_every or settings.REALTIME_BOOK_EVERY_TICKS
        self.book_depth = book_depth
        self.ticks = 0
        self.last_trade_id = {}

    @property
    def source(self):
        if self._source is None:
            from trading.market import get_source

            self._source = get_source()
        return self._source

    def symbols(self):
        if self._symbols is None:
            return [spec.symbol for spec in self.source.symbols()]
        return self._symbols

    def snapshot(self):
        """What to publish this tick, as (group, event, data) triples, prices
        first."""
        return self.prices() + self.details()

    def prices(self):
        """The price of each symbol."""
        out = []
        for symbol in self.symbols():
            price = self.source.price(symbol)
            out.append(
                (
                    events.symbol_group(symbol),
                    events.PRICE_UPDATE,
                    {
                        "symbol": symbol,
                        "price": price.price,
                        "timestamp": int(price.time.timestamp() * 1000),
                    },
                )
            )
        return out

    def details(self):
        """The trades printed since the last tick and, every ``book_every``
        ticks, the top of each order book."""
        out = []
        with_book = self.ticks % self.book_every == 0
        self.ticks += 1
        for symbol in self.symbols():
            group = events.symbol_group(symbol)
            seen = self.last_trade_id.get(symbol)
            trades = self.source.trades(symbol, limit=50)
            fresh = [t for t in trades if seen is None or t.id > seen]
            if trades:
                self.last_trade_id[symbol] = max(t.id for t in trades)
            # The first tick only sets the mark: old prints are not news.
            for trade in fresh if seen is not None else []:
                out.append(
                    (
                        group,
                        events.TRADE,
                        {
                            "symbol": symbol,
                            "price": trade.price,
                            "quantity": trade.quantity,
                            "side": _side(trade),
                            "timestamp": int(trade.time.timestamp() * 1000),
                        },
                    )
                )
            if with_book:
                book = self.source.orderbook(symbol, limit=self.book_depth)
                out.append(
                    (
                        group,
                        events.ORDERBOOK_UPDATE,
                        {
                            "symbol": symbol,
                            "bids": [[p, q] for p, q in book.bids],
                            "asks": [[p, q] for p, q in book.asks],
                            "lastUpdateId": book.last_update_id,
                        },
                    )
                )
        return out

    async def tick(self):
        # Prices go out before the trades and order books are even read: they are
        # what clients watch for, and the fresher the better (reading the rest
        # took 5-20 ms, all of it in the prices' delay).
        prices = await sync_to_async(self.prices, thread_sensitive=False)()
        for group, event, data in prices:
            await events.apublish(group, event, data)
        details = await sync_to_async(self.details, thread_sensitive=False)()
        for group, event, data in details:
            await events.apublish(group, event, data)
        return len(prices) + len(details)

    async def run(self, interval=None, stop=None):
        interval = interval or settings.REALTIME_PRICE_INTERVAL_S
        stop = stop or asyncio.Event()
        logger.info("Market feed publishing every %ss", interval)
        # Ticks keep to a fixed grid: a slow tick does not push the later ones back.
        next_tick = time.monotonic()
        while not stop.is_set():
            started = time.monotonic()
            try:
                await self.tick()
            except Exception:
                logger.exception("Market feed tick failed")
            elapsed = time.monotonic() - started
            if elapsed > interval:
                logger.warning("Market feed tick took %.2fs (> %ss)", elapsed, interval)
            next_tick += interval
            if next_tick < time.monotonic():
                next_tick = time.monotonic()  # too far behind: skip, do not burst
            try:
                await asyncio.wait_for(stop.wait(), next_tick - time.monotonic())
            except TimeoutError:
                pass


_embedded_task = None


def ensure_embedded_publisher():
    """Start the publisher on this event loop once (embedded mode only)."""
    global _embedded_task
    if not settings.EMBEDDED or not settings.REALTIME_EMBEDDED_PUBLISHER:
        return None
    if _embedded_task is None or _embedded_task.done():
        _embedded_task = asyncio.ensure_future(MarketPublisher().run())
    return _embedded_task
