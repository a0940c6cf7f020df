import pytest

from realtime import protocol


def test_it_decodes_a_connect_with_auth():
    packet = protocol.decode('0{"token":"abc"}')

    assert packet == protocol.Packet(protocol.CONNECT, "/", None, {"token": "abc"})


def test_it_decodes_an_event_with_an_ack_id():
    packet = protocol.decode('212["subscribe",{"symbols":["BTCUSDT"]}]')

    assert packet.type == protocol.EVENT
    assert packet.ack_id == 12
    assert packet.data == ["subscribe", {"symbols": ["BTCUSDT"]}]


def test_it_decodes_a_namespace():
    packet = protocol.decode('2/admin,3["x"]')

    assert (packet.namespace, packet.ack_id, packet.data) == ("/admin", 3, ["x"])


@pytest.mark.parametrize(
    "frame",
    ["", "9", "2{}", "2[1]", '51-["x",{"_placeholder":true,"num":0}]', "2[not json"],
)
def test_it_refuses_malformed_or_binary_packets(frame):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(frame)


def test_it_encodes_events_acks_and_connect_answers():
    assert protocol.event("price_update", {"p": 1}) == '42["price_update",{"p":1}]'
    assert protocol.ack(7, {"ok": True}) == '437[{"ok":true}]'
    assert protocol.connected("s1") == '40{"sid":"s1"}'
    assert protocol.connect_error("no") == '44{"message":"no"}'


def test_the_open_packet_carries_the_handshake():
    frame = protocol.open_packet("sid1", 25000, 20000, 65536)

    assert frame.startswith("0{")
    assert '"upgrades":[]' in frame and '"pingInterval":25000' in frame
