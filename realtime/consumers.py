"""The realtime feed: a Socket.IO endpoint and a plain JSON websocket.

Both speak the same events. A client authenticates with its access token (in the
Socket.IO CONNECT ``auth`` payload, or the first JSON message; never in the URL),
subscribes to symbols, and receives ``price_update``, ``trade`` and
``orderbook_update`` for them, plus its own ``notification``, ``order_update`` and
``balance_update`` events and everyone's ``signal`` and ``agent_trade``.
"""

import asyncio
import json
import logging
import secrets
import time
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from core.renderers import dumps
from realtime import events, protocol, wire
from realtime.auth import user_for_token
from realtime.hub import hub_for
from realtime.subscriptions import known_symbols

logger = logging.getLogger(__name__)

# The close code of a connection that read too slowly: more than
# REALTIME_MAX_BUFFERED_BYTES waited, unsent, for it.
CLOSE_TOO_SLOW = 4408

# In a connection's outbox: the session ends here, after what was queued before.
_SESSION_END = object()


def _origin(scope):
    for name, value in scope.get("headers", []):
        if name == b"origin":
            return value.decode("latin-1")
    return None


class RateBucket:
    """Token bucket over client messages: ``rate`` per second, ``burst`` at once."""

    def __init__(self, rate, burst):
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class FeedConsumer(AsyncWebsocketConsumer):
    """What both framings share: origin check, auth, groups, subscriptions, limits.

    Subclasses decode frames and encode events.
    """

    def setup_session(self):
        self.sid = secrets.token_urlsafe(15)
        self.user = None
        self.symbols = set()
        self.groups_joined = set()
        self.bucket = RateBucket(
            settings.REALTIME_EVENTS_PER_SECOND, settings.REALTIME_EVENT_BURST
        )
        self.closing = False
        self.max_buffered = settings.REALTIME_MAX_BUFFERED_BYTES
        # Under daphne the hub writes feed events to this connection directly;
        # under any other server they wait in the outbox for the writer task.
        self.direct = wire.direct_channel(self.base_send)
        self.outbox = asyncio.Queue()
        self.outbox_bytes = 0
        self.writer = None
        self.closer = None

    def origin_allowed(self):
        """Browsers send an Origin: it must be one the API allows by CORS. Clients
        without one (servers, scripts) pass here and still need a valid token."""
        origin = _origin(self.scope)
        return origin is None or origin in settings.CORS_ALLOWED_ORIGINS

    async def join(self, group):
        if group not in self.groups_joined:
            await hub_for(self.channel_layer).add(group, self)
            self.groups_joined.add(group)

    async def leave(self, group):
        if group in self.groups_joined:
            await hub_for(self.channel_layer).discard(group, self)
            self.groups_joined.discard(group)

    async def leave_all(self):
        for group in list(self.groups_joined):
            await self.leave(group)

    async def authenticate(self, token):
        user = await database_sync_to_async(user_for_token)(token)
        if user is None:
            logger.info("Realtime auth refused sid=%s", self.sid)
            return False
        self.user = user
        await self.join(events.user_group(user.pk))
        await self.join(events.EVERYONE)
        session_id = getattr(user, "auth_session_id", None)
        if session_id:
            await self.join(events.session_group(session_id))
        logger.info("Realtime client sid=%s user=%s connected", self.sid, user.pk)
        return True

    async def subscribe(self, payload):
        symbols, problem = self._symbols_of(payload)
        if problem:
            return {"error": problem}
        known = await database_sync_to_async(known_symbols)()
        wanted = [s for s in symbols if s in known]
        unknown = [s for s in symbols if s not in known]
        room = settings.REALTIME_MAX_SYMBOLS - len(self.symbols)
        new = [s for s in wanted if s not in self.symbols]
        refused = new[max(room, 0) :]
        for symbol in new[: max(room, 0)]:
            await self.join(events.symbol_group(symbol))
            self.symbols.add(symbol)
        answer = {"subscribed": sorted(self.symbols), "unknown": unknown}
        if refused:
            answer["refused"] = refused
            answer["error"] = (
                f"At most {settings.REALTIME_MAX_SYMBOLS} symbols per connection."
            )
        return answer

    async def unsubscribe(self, payload):
        symbols, problem = self._symbols_of(payload)
        if problem:
            return {"error": problem}
        for symbol in symbols:
            await self.leave(events.symbol_group(symbol))
            self.symbols.discard(symbol)
        return {"subscribed": sorted(self.symbols)}

    @staticmethod
    def _symbols_of(payload):
        symbols = payload.get("symbols") if isinstance(payload, dict) else None
        if not isinstance(symbols, list) or not all(
            isinstance(s, str) for s in symbols
        ):
            return None, "symbols must be a list of symbol names"
        return [s.upper() for s in symbols], None

    async def handle_event(self, name, payload):
        """Answer a client event; the answer goes back as its acknowledgement."""
        if name == "subscribe":
            return await self.subscribe(payload)
        if name == "unsubscribe":
            return await self.unsubscribe(payload)
        if name == "ping":
            return {"pong": True, "timestamp": int(time.time() * 1000)}
        return {"error": f"unknown event {name!r}"}

    async def over_limit(self, size):
        """True (and the connection closes) when a message breaks a limit."""
        if size > settings.REALTIME_MAX_MESSAGE_BYTES:
            await self.drop(f"message of {size} bytes over the limit", code=1009)
            return True
        if not self.bucket.take():
            await self.drop("too many messages", code=1008)
            return True
        return False

    async def session_ended(self):
        """The login behind this connection ended (logout, revocation)."""
        await self.drop("its session ended", code=4401, goodbye=True)

    async def drop(self, reason, code=1008, goodbye=False):
        """Close the connection; with ``goodbye``, after telling the client that
        the server ends its session (Socket.IO's DISCONNECT)."""
        user_id = self.user.pk if self.user is not None else None
        logger.warning(
            "Realtime client sid=%s user=%s dropped: %s", self.sid, user_id, reason
        )
        self.closing = True
        if goodbye:
            await self.say_goodbye()
        await self.close(code=code)

    async def say_goodbye(self):
        """What the client hears before the server closes: nothing, by default."""

    async def disconnect(self, code):
        await self.leave_all()
        await self._stop_tasks()
        if self.user is not None:
            logger.info(
                "Realtime client sid=%s user=%s gone (%s)", self.sid, self.user.pk, code
            )

    async def _stop_tasks(self):
        """End the writer and closer tasks with the connection, when they are not
        the task running this."""
        current = asyncio.current_task()
        for task in (self.writer, self.closer):
            if task is None or task is current or task.done():
                continue
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:
                logger.warning("Realtime client sid=%s task failed", self.sid)

    def prepared(self, message, frames):
        """``message`` as this connection sends it, for ``write``, or None when
        it does not go to this client.

        Under daphne an autobahn prepared message, otherwise the frame's text and
        its size in bytes; either is made once per framing, however many clients
        share it (``frames`` is the message's cache).
        """
        if self.user is None or self.closing:
            return None
        if message["event"] == events.SESSION_ENDED:
            return _SESSION_END
        if self.direct is None:
            return self._sized_frame_of(message, frames)
        key = (type(self), "wire")
        prepared = frames.get(key)
        if prepared is None:
            prepared = frames[key] = self.direct.prepare(
                self._frame_of(message, frames)
            )
        return prepared

    def write(self, burst):
        """Send what ``prepared()`` made of a burst of messages, in order, and
        never wait: under daphne straight to the connection, as one write;
        otherwise into the outbox, which the writer task sends through ASGI.

        When bytes are already waiting for the client and this burst would take
        them past REALTIME_MAX_BUFFERED_BYTES, the client reads too slowly: it is
        closed instead. One with nothing waiting takes any burst.
        """
        if self.closing:
            return
        ending = _SESSION_END in burst
        if ending:  # nothing goes out after the session's end
            burst = burst[: burst.index(_SESSION_END)]
        if burst and self.direct is not None:
            try:
                self.direct.send(burst, self.max_buffered)
            except wire.OverBound as over:
                self.over_bound(over.waiting, over.size)
                return
        elif burst:
            size = sum(frame_bytes for _, frame_bytes in burst)
            if self.outbox_bytes and self.outbox_bytes + size > self.max_buffered:
                self.over_bound(self.outbox_bytes, size)
                return
            for frame, frame_bytes in burst:
                self._queue(frame, frame_bytes)
        if ending:
            # After all that went before it, written or in the outbox.
            self.closing = True
            self._queue(_SESSION_END, 0)

    def _queue(self, item, size):
        self.outbox_bytes += size
        self.outbox.put_nowait((item, size))
        if self.writer is None:
            self.writer = asyncio.ensure_future(self._write_out())

    async def _write_out(self):
        """Send what the outbox holds, in order, one ASGI send at a time.

        A frame counts against the bound until its send returns: a server that
        applies backpressure holds this task, and only this one.
        """
        while True:
            item, size = await self.outbox.get()
            if item is _SESSION_END:
                await self.session_ended()
                return
            try:
                await self.send(text_data=item)
            except Exception:  # the server refuses it: the connection is going
                logger.info("Realtime client sid=%s: send failed", self.sid)
                self.closing = True
                return
            self.outbox_bytes -= size

    def over_bound(self, waiting, size):
        """The client reads too slowly: ``waiting`` bytes are unsent for it and
        ``size`` more came. Nothing more goes to it, what waits in the outbox is
        dropped, and it is closed; the hub, which calls this, does not wait."""
        self.closing = True
        if self.writer is not None:
            self.writer.cancel()
        self.outbox = asyncio.Queue()
        self.outbox_bytes = 0
        reason = (
            f"too slow, {waiting} bytes waiting and {size} more "
            f"(REALTIME_MAX_BUFFERED_BYTES={self.max_buffered})"
        )
        self.closer = asyncio.ensure_future(
            self.drop(reason, code=CLOSE_TOO_SLOW, goodbye=True)
        )

    def _frame_of(self, message, frames):
        framing = type(self)
        frame = frames.get(framing)
        if frame is None:
            frame = frames[framing] = self.frame(message["event"], message["json"])
        return frame

    def _sized_frame_of(self, message, frames):
        """The frame and its size in bytes (UTF-8), each computed once."""
        key = (type(self), "bytes")
        sized = frames.get(key)
        if sized is None:
            frame = self._frame_of(message, frames)
            sized = frames[key] = (frame, len(frame.encode()))
        return sized


class SocketIOConsumer(FeedConsumer):
    """Socket.IO v4 clients (Engine.IO 4 over the websocket transport)."""

    async def connect(self):
        self.setup_session()
        query = parse_qs(self.scope.get("query_string", b"").decode())
        if query.get("EIO") != ["4"] or query.get("transport") != ["websocket"]:
            logger.info(
                "Realtime refused: EIO=%s transport=%s",
                query.get("EIO"),
                query.get("transport"),
            )
            await self.close()
            return
        if not self.origin_allowed():
            logger.info("Realtime refused origin %s", _origin(self.scope))
            await self.close()
            return

        await self.accept()
        events.bind_server_loop(asyncio.get_running_loop())
        self.pong = asyncio.Event()
        await self.send(
            protocol.open_packet(
                self.sid,
                settings.REALTIME_PING_INTERVAL_MS,
                settings.REALTIME_PING_TIMEOUT_MS,
                settings.REALTIME_MAX_MESSAGE_BYTES,
            )
        )
        self.heartbeat = asyncio.ensure_future(self._heartbeat())
        self.auth_deadline = asyncio.get_running_loop().call_later(
            settings.REALTIME_AUTH_TIMEOUT_S, self._auth_expired
        )
        from realtime import publisher

        publisher.ensure_embedded_publisher()

    def _auth_expired(self):
        if self.user is None and not self.closing:
            asyncio.ensure_future(self.drop("no successful CONNECT in time"))

    async def _heartbeat(self):
        interval = settings.REALTIME_PING_INTERVAL_MS / 1000
        timeout = settings.REALTIME_PING_TIMEOUT_MS / 1000
        try:
            while True:
                await asyncio.sleep(interval)
                self.pong.clear()
                await self.send(protocol.EIO_PING)
                try:
                    await asyncio.wait_for(self.pong.wait(), timeout)
                except TimeoutError:
                    await self.drop("no pong within the ping timeout", code=1001)
                    return
        except asyncio.CancelledError:
            pass

    async def disconnect(self, code):
        for task in (getattr(self, "heartbeat", None),):
            if task:
                task.cancel()
        deadline = getattr(self, "auth_deadline", None)
        if deadline:
            deadline.cancel()
        await super().disconnect(code)

    async def receive(self, text_data=None, bytes_data=None):
        if bytes_data is not None:
            await self.drop("binary frames are not supported", code=1003)
            return
        if await self.over_limit(len(text_data.encode())):
            return
        kind, data = text_data[:1], text_data[1:]
        if kind == protocol.EIO_PONG:
            self.pong.set()
        elif kind == protocol.EIO_PING:
            await self.send(protocol.EIO_PONG + data)
        elif kind == protocol.EIO_CLOSE:
            await self.close()
        elif kind == protocol.EIO_MESSAGE:
            await self._socketio(data)
        else:
            await self.drop(f"unexpected Engine.IO packet {kind!r}", code=1002)

    async def _socketio(self, text):
        try:
            packet = protocol.decode(text)
        except protocol.ProtocolError as exc:
            await self.drop(f"protocol error: {exc}", code=1002)
            return

        if packet.namespace != "/":
            await self.send(
                protocol.connect_error("Invalid namespace", packet.namespace)
            )
            return
        if packet.type == protocol.CONNECT:
            await self._connect(packet.data or {})
        elif packet.type == protocol.DISCONNECT:
            await self.leave_all()
            self.user, self.symbols = None, set()
        elif packet.type == protocol.EVENT:
            if self.user is None:
                return
            name, *args = packet.data
            answer = await self.handle_event(name, args[0] if args else None)
            if packet.ack_id is not None:
                await self.send(protocol.ack(packet.ack_id, answer))
            elif name == "ping":
                await self.send_event("pong", answer)
            elif name in ("subscribe", "unsubscribe"):
                await self.send_event("subscribed", answer)

    async def _connect(self, auth):
        if self.user is not None:
            await self.send(protocol.connected(self.sid))
            return
        token = auth.get("token") if isinstance(auth, dict) else None
        if not token:
            await self.send(protocol.connect_error("Authentication token required"))
            return
        if not await self.authenticate(token):
            await self.send(protocol.connect_error("Invalid or expired token"))
            return
        await self.send(protocol.connected(self.sid))

    async def send_event(self, name, data):
        await self.send(protocol.event(name, data))

    async def say_goodbye(self):
        await self.send(protocol.disconnect())

    @staticmethod
    def frame(name, json_text):
        return protocol.event_json(name, json_text)


class JsonFeedConsumer(FeedConsumer):
    """The same feed for clients without Socket.IO, one JSON object per frame.

    Client: ``{"type": "auth", "token": ...}``, then ``{"type": "subscribe",
    "symbols": [...], "id": 1}``; ``unsubscribe`` and ``ping`` alike. Server:
    ``{"event": name, "data": {...}}``, and ``{"type": "ack", "id": 1, "data":
    {...}}`` for each client message that carried an ``id``.
    """

    async def connect(self):
        self.setup_session()
        if not self.origin_allowed():
            await self.close()
            return
        await self.accept()
        events.bind_server_loop(asyncio.get_running_loop())
        self.auth_deadline = asyncio.get_running_loop().call_later(
            settings.REALTIME_AUTH_TIMEOUT_S, self._auth_expired
        )
        from realtime import publisher

        publisher.ensure_embedded_publisher()

    def _auth_expired(self):
        if self.user is None and not self.closing:
            asyncio.ensure_future(self.drop("no auth message in time", code=4401))

    async def disconnect(self, code):
        deadline = getattr(self, "auth_deadline", None)
        if deadline:
            deadline.cancel()
        await super().disconnect(code)

    async def receive(self, text_data=None, bytes_data=None):
        if bytes_data is not None:
            await self.drop("binary frames are not supported", code=1003)
            return
        if await self.over_limit(len(text_data.encode())):
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.reply(None, {"error": "messages are JSON objects with a type"})
            return
        kind, ident = message["type"], message.get("id")
        if kind == "auth":
            if await self.authenticate(message.get("token")):
                await self.reply(ident, {"authenticated": True, "sid": self.sid})
            else:
                await self.reply(ident, {"error": "Invalid or expired token"})
                await self.drop("invalid token", code=4401)
            return
        if self.user is None:
            await self.reply(ident, {"error": "authenticate first"})
            return
        await self.reply(ident, await self.handle_event(kind, message))

    async def reply(self, ident, data):
        await self.send(dumps({"type": "ack", "id": ident, "data": data}))

    async def send_event(self, name, data):
        await self.send(dumps({"event": name, "data": data}))

    @staticmethod
    def frame(name, json_text):
        return f'{{"event":{json.dumps(name)},"data":{json_text}}}'
