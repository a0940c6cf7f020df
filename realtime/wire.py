"""A short path from the hub to daphne's websockets, for the feed's fan-out.

Through ASGI every frame to every client goes consumer ``send`` -> daphne's
``Server.handle_reply`` -> its websocket protocol -> autobahn's ``sendMessage``,
which frames the same payload again for each connection: about 50 us a client and
message. And each write is its own pass through the event loop and the kernel
(register the socket for writing, ``send``, unregister): with a tick's prices,
trades and order books as separate writes, most of daphne's time went there.

Under daphne the hub instead frames a message once (autobahn's ``prepareMessage``)
and hands each connection all the frames of a burst in one write. Twisted only
writes when its reactor next polls the socket, after registering it for writing
and before unregistering it again; a connection with nothing already waiting in
Twisted's buffer is written to at once instead, one ``send`` and no loop turn.

None of that is public beyond autobahn's prepared messages. Daphne gives the
application ``send = functools.partial(server.handle_reply, protocol)`` and
nothing else, and whether Twisted's buffer is empty is its own business. This
module is the only place that relies on either. When daphne's shape does not hold
(another ASGI server, the test communicator, a later daphne), ``direct_channel``
answers None and the feed keeps to the plain ASGI send; when Twisted's does not
(TLS, a later Twisted, bytes already waiting), frames go through autobahn's
``sendData`` and Twisted's own buffer.

That buffer has no bound: for a client that stops reading it grows until the
connection dies, after the kernel's send buffer (which Linux grows to 4 MB) has
filled. So before each write ``DirectChannel.send`` counts what is already
waiting for the connection, in Twisted and in the kernel (``waiting``), and
refuses the write, with ``OverBound``, when that and the new frames would pass
the caller's bound.
"""

import functools
import logging
import sys
from array import array

logger = logging.getLogger(__name__)

try:
    from daphne.server import Server as _DaphneServer
    from twisted.internet.abstract import FileDescriptor as _FileDescriptor
    from twisted.internet.tcp import Connection as _TcpConnection
except ImportError:  # another ASGI server: the plain path only
    _DaphneServer = _FileDescriptor = _TcpConnection = None

if sys.platform.startswith("linux"):
    import fcntl

    # linux/sockios.h: the bytes of a TCP socket's send queue not yet sent (the
    # peer's window is closed); those sent and not yet acknowledged are not in it.
    _SIOCOUTQNSD = 0x894B
else:  # the kernel's share goes uncounted
    fcntl = _SIOCOUTQNSD = None
_unsent = array("i", [0])


class OverBound(Exception):
    """A write refused: the connection already has ``waiting`` bytes unsent, and
    ``size`` more would take it past the bound."""

    def __init__(self, waiting, size):
        super().__init__(f"{waiting} bytes waiting, {size} more refused")
        self.waiting, self.size = waiting, size


class DirectChannel:
    """One daphne websocket connection, written to without the ASGI round trip."""

    __slots__ = ("server", "protocol")

    def __init__(self, server, protocol):
        self.server, self.protocol = server, protocol

    def prepare(self, text):
        """``text`` as a websocket frame, to send on any connection of the server.

        Never compressed: an uncompressed message is valid whether or not the
        connection negotiated compression (RFC 7692), so the frame's bytes can go
        to every connection as they are.
        """
        return self.protocol.factory.prepareMessage(text.encode(), doNotCompress=True)

    def send(self, prepared, bound):
        """Write prepared messages, in order, as one write; False when the
        connection is closing or gone (they are dropped, as daphne drops sends to
        a closed socket).

        Raises ``OverBound``, writing nothing, when bytes are already waiting for
        the connection and they and these frames would pass ``bound``. A
        connection with nothing waiting takes any burst: it keeps up.
        """
        protocol = self.protocol
        # The checks daphne's handle_reply and autobahn's sendMessage make.
        if protocol.state != protocol.STATE_OPEN:
            return False
        details = self.server.connections.get(protocol)
        if details is None or details.get("disconnected"):
            return False
        # Uncompressed prepared messages: their frames as they are, joined, is what
        # sendPreparedMessage would write for each.
        if len(prepared) == 1:
            data = prepared[0].payloadHybi
        else:
            data = b"".join(p.payloadHybi for p in prepared)

        waiting = self.waiting()
        if waiting and waiting + len(data) > bound:
            raise OverBound(waiting, len(data))

        if not _write_now(protocol, data):
            protocol.sendData(data)
        return True

    def waiting(self):
        """Bytes written to this connection that have not gone out to the client.

        Autobahn queues only chopped or synchronous writes (``send_queue``, empty
        for daphne's); Twisted keeps what the socket did not take in
        ``dataBuffer`` (sent up to ``offset``) and in the ``_tempDataBuffer``
        list (``_tempDataLen`` bytes), joined on its next ``doWrite``; on Linux
        the kernel tells what its send queue holds unsent (``SIOCOUTQNSD``), the
        most of it for a client that stopped reading: Twisted only buffers once
        that queue is full. Under TLS these are the buffers of the TCP transport
        below the TLS wrapper, holding ciphertext; the wrapper's own aggregation
        (at most 64,000 bytes, flushed every reactor turn) is not counted.
        """
        protocol = self.protocol
        waiting = 0
        if protocol.send_queue:
            waiting = sum(len(chunk) for chunk, _ in protocol.send_queue)
        buffered = _buffered(protocol.transport)
        if buffered is None:
            _warn_once("Twisted's transport changed: unsent bytes are not bounded")
            return waiting
        return waiting + buffered


def _write_now(protocol, data):
    """Write ``data`` to the connection's socket now, when nothing is waiting to
    be written before it (so the order of frames holds). False: not done, the
    caller writes through Twisted."""
    transport = protocol.transport
    if (
        protocol.send_queue
        or not isinstance(transport, _TcpConnection)
        or getattr(transport, "TLS", True)
        or not transport.connected
        or transport.disconnecting
        or getattr(transport, "_writeDisconnected", True)
        or transport.dataBuffer
        or getattr(transport, "_tempDataBuffer", True)
    ):
        return False
    try:
        sent = transport.getHandle().send(data)
    except BlockingIOError:
        sent = 0
    except OSError:
        return False  # Twisted's own write finds the error and closes the connection
    if sent < len(data):
        protocol.sendData(data[sent:])
    return True


def _buffered(transport):
    """What Twisted and the kernel hold, unsent, for the socket under
    ``transport``; None when Twisted's buffers are not where this version of
    Twisted keeps them."""
    for _ in range(3):  # the TCP connection, or TLS wrapping it
        if isinstance(transport, _FileDescriptor):
            try:
                pending = len(transport.dataBuffer) - transport.offset
                pending += transport._tempDataLen
            except (AttributeError, TypeError):
                return None
            if isinstance(transport, _TcpConnection):
                pending += _kernel_unsent(transport)
            return pending
        transport = getattr(transport, "transport", None)
    return None


def _kernel_unsent(connection):
    if fcntl is None:
        return 0
    try:
        fcntl.ioctl(connection.fileno(), _SIOCOUTQNSD, _unsent, True)
    except (AttributeError, OSError):  # closed meanwhile
        return 0
    return _unsent[0]


def direct_channel(send):
    """The direct channel behind an ASGI ``send`` callable, or None."""
    if _DaphneServer is None or not isinstance(send, functools.partial):
        return None
    server = getattr(send.func, "__self__", None)
    if not isinstance(server, _DaphneServer) or len(send.args) != 1 or send.keywords:
        return None
    protocol = send.args[0]
    needed = ("sendData", "send_queue", "transport", "factory", "state", "STATE_OPEN")
    if not all(hasattr(protocol, name) for name in needed):
        _warn_once("daphne's websocket protocol changed: using the ASGI send")
        return None
    return DirectChannel(server, protocol)


_warned = set()


def _warn_once(text):
    if text not in _warned:
        _warned.add(text)
        logger.warning(text)
