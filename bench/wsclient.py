"""A lean websocket client for fan-out benchmarks.

A general client library spends more CPU per frame than the server under test
when one process holds a thousand connections on a two-core machine, which then
measures the client. This one only does what the benchmark needs: the upgrade
handshake, masked text frames out, unmasked frames in, and answers to pings.
"""

import asyncio
import base64
import os
import struct

OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x8, 0x9, 0xA


def client_frame(opcode, payload):
    """A masked frame, as RFC 6455 requires of clients."""
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
    elif size < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


class WebSocketClient(asyncio.Protocol):
    def __init__(self, on_text):
        self.on_text = on_text
        self.buffer = bytearray()
        self.upgraded = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        if not self.closed.done():
            self.closed.set_result(exc)

    def send_text(self, text):
        self.transport.write(client_frame(OP_TEXT, text.encode()))

    def data_received(self, data):
        self.buffer += data
        if not self.upgraded.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buffer[:12])
            del self.buffer[: end + 4]
            if b" 101" not in status:
                self.upgraded.set_exception(ConnectionError(status.decode()))
                return
            self.upgraded.set_result(True)
        self._frames()

    def _frames(self):
        buf = self.buffer
        while len(buf) >= 2:
            opcode, size = buf[0] & 0x0F, buf[1] & 0x7F
            offset = 2
            if size == 126:
                if len(buf) < 4:
                    return
                size = struct.unpack_from("!H", buf, 2)[0]
                offset = 4
            elif size == 127:
                if len(buf) < 10:
                    return
                size = struct.unpack_from("!Q", buf, 2)[0]
                offset = 10
            if len(buf) < offset + size:
                return
            payload = bytes(buf[offset : offset + size])
            del buf[: offset + size]
            if opcode == OP_TEXT:
                self.on_text(self, payload)
            elif opcode == OP_PING:
                self.transport.write(client_frame(OP_PONG, payload))
            elif opcode == OP_CLOSE:
                self.transport.close()


async def connect(host, port, path, on_text):
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_connection(
        lambda: WebSocketClient(on_text), host, port
    )
    key = base64.b64encode(os.urandom(16)).decode()
    transport.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await protocol.upgraded
    return protocol
