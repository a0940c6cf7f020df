"""Engine.IO v4 and Socket.IO v5 packets, text frames only (websocket transport).

An Engine.IO packet is one frame: a type digit, then its data. A Socket.IO packet
travels inside an Engine.IO ``message`` (type 4) as
``<type>[<namespace>,][<ack id>][<JSON payload>]``; the default namespace ``/`` is
left out. Binary attachments are not supported: the feed sends none and refuses
them.
"""

import json
import re
from dataclasses import dataclass

from core.renderers import dumps

# Engine.IO packet types
EIO_OPEN = "0"
EIO_CLOSE = "1"
EIO_PING = "2"
EIO_PONG = "3"
EIO_MESSAGE = "4"
EIO_UPGRADE = "5"
EIO_NOOP = "6"

# Socket.IO packet types
CONNECT = 0
DISCONNECT = 1
EVENT = 2
ACK = 3
CONNECT_ERROR = 4
BINARY_EVENT = 5
BINARY_ACK = 6

_HEADER = re.compile(r"^(?P<type>\d)(?:(?P<attachments>\d+)-)?(?:(?P<nsp>/[^,]*),)?")


class ProtocolError(ValueError):
    """A frame that does not follow the protocol."""


@dataclass(frozen=True)
class Packet:
    type: int
    namespace: str = "/"
    ack_id: int | None = None
    data: object = None


def open_packet(sid, ping_interval_ms, ping_timeout_ms, max_payload):
    handshake = {
        "sid": sid,
        "upgrades": [],
        "pingInterval": ping_interval_ms,
        "pingTimeout": ping_timeout_ms,
        "maxPayload": max_payload,
    }
    return EIO_OPEN + json.dumps(handshake, separators=(",", ":"))


def encode(packet):
    """A Socket.IO packet as an Engine.IO message frame."""
    out = [EIO_MESSAGE, str(packet.type)]
    if packet.namespace != "/":
        out.append(packet.namespace + ",")
    if packet.ack_id is not None:
        out.append(str(packet.ack_id))
    if packet.data is not None:
        out.append(dumps(packet.data))
    return "".join(out)


def event(name, *args, ack_id=None, namespace="/"):
    return encode(Packet(EVENT, namespace, ack_id, [name, *args]))


def event_json(name, json_text):
    """An event whose single argument is already JSON text (see realtime.events)."""
    return f"{EIO_MESSAGE}{EVENT}[{json.dumps(name)},{json_text}]"


def ack(ack_id, *args, namespace="/"):
    return encode(Packet(ACK, namespace, ack_id, list(args)))


def connected(sid, namespace="/"):
    return encode(Packet(CONNECT, namespace, None, {"sid": sid}))


def disconnect(namespace="/"):
    """The server ends the Socket.IO session; the client will not reconnect."""
    return encode(Packet(DISCONNECT, namespace))


def connect_error(message, namespace="/", data=None):
    body = {"message": message}
    if data is not None:
        body["data"] = data
    return encode(Packet(CONNECT_ERROR, namespace, None, body))


def decode(text):
    """A Socket.IO packet from the data of an Engine.IO message (without the 4)."""
    match = _HEADER.match(text)
    if not match:
        raise ProtocolError("not a Socket.IO packet")
    kind = int(match["type"])
    if kind > BINARY_ACK:
        raise ProtocolError(f"unknown packet type {kind}")
    if match["attachments"] is not None or kind in (BINARY_EVENT, BINARY_ACK):
        raise ProtocolError("binary attachments are not supported")
    rest = text[match.end() :]

    digits = 0
    while digits < len(rest) and rest[digits].isdigit():
        digits += 1
    ack_id = int(rest[:digits]) if digits else None
    body = rest[digits:]
    try:
        data = json.loads(body) if body else None
    except ValueError:
        raise ProtocolError("payload is not JSON")

    if kind == EVENT and not (
        isinstance(data, list) and data and isinstance(data[0], str)
    ):
        raise ProtocolError("an event needs a name and arguments as an array")
    if kind == CONNECT and data is not None and not isinstance(data, dict):
        raise ProtocolError("CONNECT takes an object")
    return Packet(kind, match["nsp"] or "/", ack_id, data)
