import json

from channels.testing import WebsocketCommunicator

from config.asgi import application
from realtime import events
from tests.realtime.conftest import run


async def open_feed():
    communicator = WebsocketCommunicator(
        application, "/ws/feed", headers=[(b"host", b"localhost")]
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def test_the_json_feed_authenticates_subscribes_and_delivers(token_for):
    user, token = token_for()

    async def scenario():
        feed = await open_feed()
        await feed.send_json_to({"type": "subscribe", "symbols": ["BTCUSDT"], "id": 1})
        early = await feed.receive_json_from(timeout=5)
        await feed.send_json_to({"type": "auth", "token": token, "id": 2})
        auth = await feed.receive_json_from(timeout=5)
        await feed.send_json_to({"type": "subscribe", "symbols": ["BTCUSDT"], "id": 3})
        subscribed = await feed.receive_json_from(timeout=5)
        await events.apublish(
            events.symbol_group("BTCUSDT"),
            events.PRICE_UPDATE,
            {"symbol": "BTCUSDT", "price": 1, "timestamp": 0},
        )
        update = await feed.receive_json_from(timeout=5)
        await feed.disconnect()
        return early, auth, subscribed, update

    early, auth, subscribed, update = run(scenario())

    assert early == {"type": "ack", "id": 1, "data": {"error": "authenticate first"}}
    assert auth["data"]["authenticated"] is True
    assert subscribed["data"] == {"subscribed": ["BTCUSDT"], "unknown": []}
    assert update == {
        "event": "price_update",
        "data": {"symbol": "BTCUSDT", "price": 1, "timestamp": 0},
    }


def test_the_json_feed_closes_on_a_bad_token(token_for):
    token_for()

    async def scenario():
        feed = await open_feed()
        await feed.send_to(text_data=json.dumps({"type": "auth", "token": "nope"}))
        answer = await feed.receive_json_from(timeout=5)
        closed = await feed.receive_output(timeout=5)
        return answer, closed

    answer, closed = run(scenario())

    assert answer["data"]["error"]
    assert closed == {"type": "websocket.close", "code": 4401}
