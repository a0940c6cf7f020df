"""Publishing to the realtime feed, for every app.

Clients subscribe to symbols and are joined to their own user's group when they
authenticate. Services call these functions after their transaction commits:

    transaction.on_commit(lambda: events.to_user(user_id, "notification", {...}))

The same events reach Socket.IO clients and plain JSON websocket clients.
"""

import asyncio
import logging
import re

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from core.renderers import dumps

logger = logging.getLogger(__name__)

# Server events, as the API documents them.
PRICE_UPDATE = "price_update"
TRADE = "trade"
ORDERBOOK_UPDATE = "orderbook_update"
SIGNAL = "signal"
AGENT_TRADE = "agent_trade"
NOTIFICATION = "notification"
ORDER_UPDATE = "order_update"
BALANCE_UPDATE = "balance_update"

EVERYONE = "feed.all"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def symbol_group(symbol):
    return "feed.symbol." + _UNSAFE.sub("", symbol.upper())


def user_group(user_id):
    return "feed.user." + _UNSAFE.sub("", str(user_id))


def message(group, event, data):
    """The channel-layer message a server process turns into client events.

    The data is encoded to JSON once here, not once per client, and travels as
    text, which every channel layer can carry (Decimals included).
    """
    return {"type": "feed.event", "group": group, "event": event, "json": dumps(data)}


async def apublish(group, event, data):
    layer = get_channel_layer()
    if layer is None:
        return
    await layer.group_send(group, message(group, event, data))


_server_loop = None


def bind_server_loop(loop):
    """Remember the server's event loop (embedded mode).

    The in-process channel layer lives on that loop, so threads that are not the
    server's own (the embedded scheduler's) must hand their messages to it.
    """
    global _server_loop
    _server_loop = loop


def publish(group, event, data):
    """Send ``event`` to everyone in ``group``; never raises into the caller."""
    try:
        layer = get_channel_layer()
        loop = _server_loop
        if isinstance(layer, InMemoryChannelLayer) and loop and loop.is_running():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is not loop:
                future = asyncio.run_coroutine_threadsafe(
                    apublish(group, event, data), loop
                )
                future.result(timeout=5)
                return
        async_to_sync(apublish)(group, event, data)
    except Exception:
        logger.warning("Could not publish %s to %s", event, group, exc_info=True)


def to_symbol(symbol, event, data):
    publish(symbol_group(symbol), event, data)


def to_user(user_id, event, data):
    publish(user_group(user_id), event, data)


def to_everyone(event, data):
    publish(EVERYONE, event, data)
