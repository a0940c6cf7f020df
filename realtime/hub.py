"""Fan-out inside one server process.

Clients of a process do not each listen on the channel layer for feed events.
The process's hub joins each group once, on behalf of all its local clients in
that group, and hands every message to them with the frame encoded once per
framing. A price update to a thousand local clients costs one channel-layer
message and a thousand websocket writes, instead of a thousand of each.
"""

import asyncio
import logging
import weakref
from collections import defaultdict

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
        self.lock = asyncio.Lock()

    async def add(self, group, client):
        async with self.lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel("hub.")
                self.pump_task = asyncio.ensure_future(self._pump())
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
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("Hub could not read the channel layer", exc_info=True)
                await asyncio.sleep(1)
                continue
            await self.deliver(message)

    async def deliver(self, message):
        # A client too slow to read never stalls the others: writes do not wait on
        # it, and its pong queues behind its unread frames, so the heartbeat drops
        # it within pingInterval + pingTimeout.
        # TODO: bound each client's unsent bytes too; ASGI does not expose the
        # server's write buffer, so that needs a server-specific hook.
        frames = {}
        for client in list(self.members.get(message.get("group"), ())):
            try:
                await client.deliver(message, frames)
            except Exception:
                logger.warning("Delivery to a client failed", exc_info=True)
