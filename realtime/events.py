"""Publishing to the realtime feed, for every app.

Clients subscribe to symbols and are joined to their own user's group when they
authenticate. Services call these functions after their transaction commits:

    transaction.on_commit(lambda: events.to_user(user_id, "notification", {...}))

The same events reach Socket.IO clients and plain JSON websocket clients.
"""

import asyncio
import logging
import re
import threading
import weakref

from channels.layers import get_channel_layer

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


def session_group(session_id):
    """The connections of one login session: closed when the session ends."""
    return "feed.session." + _UNSAFE.sub("", str(session_id))


# Not forwarded to clients: tells a server process to close the session's sockets.
SESSION_ENDED = "session_ended"


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
_feed_loop = None
_feed_lock = threading.Lock()


def bind_server_loop(loop):
    """Remember the server's event loop (the embedded server calls this).

    The in-process channel layer lives on that loop, so synchronous code hands its
    messages to it rather than to a loop of its own.
    """
    global _server_loop
    _server_loop = loop


def feed_loop():
    """The event loop synchronous code publishes on.

    The server's own loop when one is bound and running; otherwise one background
    loop per process, started on first use. A loop per call would cost a new
    channel-layer connection each time (milliseconds), and messages from one
    caller would lose their order.
    """
    global _feed_loop
    server = _server_loop
    if server is not None and server.is_running():
        return server
    with _feed_lock:
        if _feed_loop is None or not _feed_loop.is_running():
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def serve():
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=serve, name="realtime-feed", daemon=True).start()
            ready.wait()
            _feed_loop = loop
    return _feed_loop


def run_on_feed_loop(coroutine, timeout=5):
    """Run ``coroutine`` on the feed loop and wait for its result (sync callers,
    and tests that listen on the channel layer)."""
    return asyncio.run_coroutine_threadsafe(coroutine, feed_loop()).result(timeout)


async def _pump(queue):
    while True:
        group, event, data = await queue.get()
        try:
            await apublish(group, event, data)
        except Exception:
            logger.warning("Could not publish %s to %s", event, group, exc_info=True)


def _enqueue(loop, items):
    """On ``loop``: queue messages for its pump, which sends them in order."""
    queue = _pumps.get(loop)
    if queue is None:
        queue = _pumps[loop] = asyncio.Queue()
        loop.create_task(_pump(queue))
    for item in items:
        queue.put_nowait(item)


_pumps = weakref.WeakKeyDictionary()


def publish_many(group, messages):
    """Send ``[(event, data), ...]`` to ``group``, in order, without waiting.

    Never raises into the caller: a feed that is down must not fail a trade.
    """
    items = [(group, event, data) for event, data in messages]
    try:
        loop = feed_loop()
        loop.call_soon_threadsafe(_enqueue, loop, items)
    except Exception:
        logger.warning(
            "Could not hand %d events to the feed", len(items), exc_info=True
        )


def publish(group, event, data):
    publish_many(group, [(event, data)])


def to_symbol(symbol, event, data):
    publish(symbol_group(symbol), event, data)


def to_user(user_id, event, data):
    publish(user_group(user_id), event, data)


def to_everyone(event, data):
    publish(EVERYONE, event, data)


def close_session_sockets(sender, session_ids, **kwargs):
    """Receiver of accounts' ``sessions_ended``: their sockets close everywhere."""
    for session_id in session_ids:
        publish(session_group(session_id), SESSION_ENDED, {"sessionId": session_id})
