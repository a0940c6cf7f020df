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


def batch(group, messages):
    """One channel-layer message carrying ``[(event, data), ...]`` to ``group``:
    a trade's order, balance and notification events cost one publish, not one
    each. :func:`unpack` answers its events as single messages again."""
    if len(messages) == 1:
        return message(group, *messages[0])
    return {
        "type": "feed.batch",
        "group": group,
        "events": [[event, dumps(data)] for event, data in messages],
    }


def unpack(received):
    """The single-event messages (as :func:`message` makes them) of a message
    read from the layer, which may be a :func:`batch`."""
    if "events" not in received:
        return [received]
    group = received["group"]
    return [
        {"type": "feed.event", "group": group, "event": event, "json": text}
        for event, text in received["events"]
    ]


async def apublish(group, event, data):
    await apublish_many(group, [(event, data)])


async def apublish_many(group, messages):
    layer = get_channel_layer()
    if layer is None:
        return
    await layer.group_send(group, batch(group, messages))


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
        group, messages = await queue.get()
        try:
            await apublish_many(group, messages)
        except Exception:
            logger.warning(
                "Could not publish %s to %s",
                [event for event, _ in messages],
                group,
                exc_info=True,
            )


def _enqueue(loop, item):
    """On ``loop``: queue a group's messages for its pump, which sends them in
    order."""
    queue = _pumps.get(loop)
    if queue is None:
        queue = _pumps[loop] = asyncio.Queue()
        loop.create_task(_pump(queue))
    queue.put_nowait(item)


_pumps = weakref.WeakKeyDictionary()


def publish_many(group, messages):
    """Send ``[(event, data), ...]`` to ``group``, in order, without waiting.

    Never raises into the caller: a feed that is down must not fail a trade.
    """
    messages = list(messages)
    if not messages:
        return
    try:
        loop = feed_loop()
        loop.call_soon_threadsafe(_enqueue, loop, (group, messages))
    except Exception:
        logger.warning(
            "Could not hand %d events to the feed", len(messages), exc_info=True
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
