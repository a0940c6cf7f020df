"""Fan-out inside one server process.

Clients of a process do not each listen on the channel layer for feed events.
The process's hub joins each group once, on behalf of all its local clients in
that group, and hands every message to them with the frame encoded once per
framing. A price update to a thousand local clients costs one channel-layer
message and a thousand websocket writes, instead of a thousand of each; under
daphne those writes skip the ASGI round trip (realtime.wire), and the messages
of a burst go to each client in one write.
"""

import asyncio
import logging
import weakref
from collections import defaultdict

from realtime import events

logger = logging.getLogger(__name__)

_hubs = weakref.WeakKeyDictionary()


def hub_for(layer):
    """The hub of the running event loop (one per server process)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub(layer)
    return hub


class Hub:
    def __init__(self, layer):
        self.layer = layer
        self.members = defaultdict(set)
        self.channel = None
        self.pump_task = None
        self.deliver_task = None
        self.inbox = []
        self.waiting = asyncio.Event()
        self.lock = asyncio.Lock()

    async def add(self, group, client):
        async with self.lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel("hub.")
                self.pump_task = asyncio.ensure_future(self._pump())
                self.deliver_task = asyncio.ensure_future(self._deliver_loop())
            if not self.members[group]:
                await self.layer.group_add(group, self.channel)
            self.members[group].add(client)

    async def discard(self, group, client):
        async with self.lock:
            members = self.members.get(group)
            if not members or client not in members:
                return
            members.discard(client)
            if not members:
                del self.members[group]
                await self.layer.group_discard(group, self.channel)

    def count(self, group):
        return len(self.members.get(group, ()))

    async def _pump(self):
        """Read the layer into the inbox, as fast as messages come."""
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("Hub could not read the channel layer", exc_info=True)
                await asyncio.sleep(1)
                continue
            self.inbox.extend(events.unpack(message))
            self.waiting.set()

    async def _deliver_loop(self):
        """Deliver what the inbox holds, a burst at a time.

        The feed publishes in bursts (a tick's prices, then its trades and order
        books). What arrived while the previous burst was being written goes out
        together: one write per client rather than one per message.
        """
        while True:
            await self.waiting.wait()
            self.waiting.clear()
            messages, self.inbox = self.inbox, []
            try:
                await self.deliver(*messages)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Hub could not deliver %d messages", len(messages))
            await _let_writes_out()

    async def deliver(self, *messages):
        """Hand each client its share of ``messages``, in one write per client.

        Nothing here waits on a client, so one too slow to read never stalls the
        others. Under daphne its frames go into the server's buffers at once
        (realtime.wire); elsewhere into its outbox, which its own task sends
        through ASGI. Either way a client whose unsent bytes would pass
        REALTIME_MAX_BUFFERED_BYTES is closed instead of written to (the
        consumer's ``write``); the heartbeat still drops a client that stops
        answering before it gets there.
        """
        bursts = {}  # client -> its prepared messages, in order
        for message in messages:
            frames = {}
            for client in list(self.members.get(message.get("group"), ())):
                try:
                    prepared = client.prepared(message, frames)
                except Exception:
                    logger.warning("Delivery to a client failed", exc_info=True)
                    continue
                if prepared is not None:
                    bursts.setdefault(client, []).append(prepared)
        for client, burst in bursts.items():
            try:
                client.write(burst)
            except Exception:
                logger.warning("Delivery to a client failed", exc_info=True)


async def _let_writes_out():
    """Give the event loop two turns, so frames left in the server's buffers reach
    the sockets before the next burst is handled.

    Most frames are written at once (realtime.wire); the rest (the ASGI path, a
    connection with bytes already waiting) only when the loop next polls the
    socket. One turn polls the sockets and schedules their writes after this task;
    the second lets those writes run first.
    """
    await asyncio.sleep(0)
    await asyncio.sleep(0)
