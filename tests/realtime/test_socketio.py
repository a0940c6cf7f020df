"""The Socket.IO endpoint through Channels' communicator."""

import asyncio
import json

import pytest
from django.test import override_settings

from realtime import events
from realtime.publisher import MarketPublisher
from tests.realtime.conftest import open_socketio, run


async def handshake(communicator, token):
    opening = await communicator.receive_from(timeout=5)
    await communicator.send_to(text_data="40" + json.dumps({"token": token}))
    answer = await communicator.receive_from(timeout=5)
    return opening, answer


async def next_event(communicator, name, timeout=5):
    """The next event called ``name``, skipping others."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        frame = await communicator.receive_from(timeout=max(left, 0.01))
        if frame.startswith("42"):
            event, data = json.loads(frame[2:])
            if event == name:
                return data


def test_a_client_with_a_valid_token_connects(token_for):
    _, token = token_for()

    async def scenario():
        communicator, accepted = await open_socketio()
        opening, answer = await handshake(communicator, token)
        await communicator.disconnect()
        return accepted, opening, answer

    accepted, opening, answer = run(scenario())

    assert accepted
    handshake_data = json.loads(opening[1:])
    assert opening[0] == "0"
    assert handshake_data["upgrades"] == []
    assert handshake_data["pingInterval"] == 25000
    assert answer.startswith("40")
    assert json.loads(answer[2:])["sid"]


@pytest.mark.parametrize("token", ["", "not-a-jwt", None])
def test_a_missing_or_invalid_token_gets_connect_error(token_for, token):
    token_for()

    async def scenario():
        communicator, _ = await open_socketio()
        await communicator.receive_from(timeout=5)
        auth = {} if token is None else {"token": token}
        await communicator.send_to(text_data="40" + json.dumps(auth))
        answer = await communicator.receive_from(timeout=5)
        await communicator.disconnect()
        return answer

    answer = run(scenario())

    assert answer.startswith("44")
    assert json.loads(answer[2:])["message"]


def test_a_disabled_users_token_is_refused(token_for):
    user, token = token_for()
    user.is_active = False
    user.save()

    async def scenario():
        communicator, _ = await open_socketio()
        _, answer = await handshake(communicator, token)
        await communicator.disconnect()
        return answer

    assert run(scenario()).startswith("44")


def test_subscribe_answers_known_and_unknown_symbols_in_the_ack(token_for):
    _, token = token_for()

    async def scenario():
        communicator, _ = await open_socketio()
        await handshake(communicator, token)
        await communicator.send_to(
            text_data='421["subscribe",{"symbols":["btcusdt","NOPEUSDT"]}]'
        )
        ack = await communicator.receive_from(timeout=5)
        await communicator.send_to(
            text_data='422["unsubscribe",{"symbols":["BTCUSDT"]}]'
        )
        second = await communicator.receive_from(timeout=5)
        await communicator.send_to(text_data='423["subscribe",{"symbols":"BTC"}]')
        bad = await communicator.receive_from(timeout=5)
        await communicator.disconnect()
        return ack, second, bad

    ack, second, bad = run(scenario())

    assert ack == '431[{"subscribed":["BTCUSDT"],"unknown":["NOPEUSDT"]}]'
    assert second == '432[{"subscribed":[]}]'
    assert "error" in json.loads(bad[3:])[0]


def test_a_subscribed_client_gets_prices_of_its_symbols_only(token_for):
    _, token = token_for()

    async def scenario():
        communicator, _ = await open_socketio()
        await handshake(communicator, token)
        await communicator.send_to(text_data='421["subscribe",{"symbols":["ETHUSDT"]}]')
        await communicator.receive_from(timeout=5)
        publisher = MarketPublisher(symbols=["BTCUSDT", "ETHUSDT"])
        await publisher.tick()
        update = await next_event(communicator, "price_update")
        book = await next_event(communicator, "orderbook_update")
        nothing_more = await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()
        return update, book, nothing_more

    update, book, nothing_more = run(scenario())

    assert update["symbol"] == "ETHUSDT"
    assert update["price"] > 0
    assert isinstance(update["timestamp"], int)
    assert book["symbol"] == "ETHUSDT"
    assert book["bids"][0][0] < book["asks"][0][0]
    assert nothing_more


def test_a_user_event_reaches_that_user_only(token_for):
    alice, alice_token = token_for("alice@example.com")
    _, bob_token = token_for("bob@example.com")

    async def scenario():
        first, _ = await open_socketio()
        second, _ = await open_socketio()
        await handshake(first, alice_token)
        await handshake(second, bob_token)
        await events.apublish(
            events.user_group(alice.pk),
            events.NOTIFICATION,
            {"message": "Order filled", "type": "success"},
        )
        received = await next_event(first, "notification")
        leaked = await second.receive_nothing(timeout=0.3)
        await first.disconnect()
        await second.disconnect()
        return received, leaked

    received, leaked = run(scenario())

    assert received == {"message": "Order filled", "type": "success"}
    assert leaked


def test_an_agent_trade_reaches_every_connected_client(token_for):
    _, alice_token = token_for("alice@example.com")
    _, bob_token = token_for("bob@example.com")
    trade = {"agentId": "a1", "symbol": "BTCUSDT", "side": "BUY", "price": 1}

    async def scenario():
        first, _ = await open_socketio()
        second, _ = await open_socketio()
        await handshake(first, alice_token)
        await handshake(second, bob_token)
        await events.apublish(events.EVERYONE, events.AGENT_TRADE, trade)
        received = [
            await next_event(first, "agent_trade"),
            await next_event(second, "agent_trade"),
        ]
        await first.disconnect()
        await second.disconnect()
        return received

    assert run(scenario()) == [trade, trade]


def test_the_ping_event_is_answered(token_for):
    _, token = token_for()

    async def scenario():
        communicator, _ = await open_socketio()
        await handshake(communicator, token)
        await communicator.send_to(text_data='425["ping",{}]')
        with_ack = await communicator.receive_from(timeout=5)
        await communicator.send_to(text_data='42["ping",{}]')
        without_ack = await communicator.receive_from(timeout=5)
        await communicator.disconnect()
        return with_ack, without_ack

    with_ack, without_ack = run(scenario())

    assert json.loads(with_ack[3:])[0]["pong"] is True
    assert json.loads(without_ack[2:])[0] == "pong"


@override_settings(REALTIME_PING_INTERVAL_MS=50, REALTIME_PING_TIMEOUT_MS=100)
def test_a_client_that_does_not_answer_pings_is_dropped(token_for):
    _, token = token_for()

    async def scenario():
        communicator, _ = await open_socketio()
        await handshake(communicator, token)
        ping = await communicator.receive_from(timeout=2)
        closed = await communicator.receive_output(timeout=2)
        return ping, closed

    ping, closed = run(scenario())

    assert ping == "2"
    assert closed["type"] == "websocket.close"


@override_settings(REALTIME_PING_INTERVAL_MS=50, REALTIME_PING_TIMEOUT_MS=200)
def test_a_client_that_answers_pings_stays(token_for):
    _, token = token_for()

    async def scenario():
        communicator, _ = await open_socketio()
        await handshake(communicator, token)
        for _ in range(4):
            assert await communicator.receive_from(timeout=2) == "2"
            await communicator.send_to(text_data="3")
        await communicator.send_to(text_data='421["ping",{}]')
        frame = await communicator.receive_from(timeout=2)
        while frame == "2":
            await communicator.send_to(text_data="3")
            frame = await communicator.receive_from(timeout=2)
        await communicator.disconnect()
        return frame

    assert run(scenario()).startswith("431")


@pytest.mark.parametrize(
    "path",
    [
        "/socket.io/?EIO=3&transport=websocket",
        "/socket.io/?EIO=4&transport=polling",
        "/socket.io/",
    ],
)
def test_a_wrong_protocol_version_or_transport_is_refused(transactional_db, path):
    async def scenario():
        communicator, accepted = await open_socketio(path)
        return accepted

    assert run(scenario()) is False


def test_an_origin_outside_the_cors_list_is_refused(transactional_db):
    async def scenario():
        _, evil = await open_socketio(origin="https://evil.example.com")
        good, allowed = await open_socketio(origin="http://localhost:3080")
        await good.disconnect()
        return evil, allowed

    evil, allowed = run(scenario())

    assert evil is False
    assert allowed is True


@override_settings(REALTIME_MAX_MESSAGE_BYTES=1000)
def test_an_oversized_message_closes_the_connection(token_for):
    _, token = token_for()

    async def scenario():
        communicator, _ = await open_socketio()
        await handshake(communicator, token)
        big = '42["subscribe",{"symbols":["' + "X" * 1200 + '"]}]'
        await communicator.send_to(text_data=big)
        return await communicator.receive_output(timeout=2)

    closed = run(scenario())

    assert closed == {"type": "websocket.close", "code": 1009}


@override_settings(REALTIME_EVENTS_PER_SECOND=1, REALTIME_EVENT_BURST=3)
def test_a_client_over_the_event_rate_is_dropped(token_for):
    _, token = token_for()

    async def scenario():
        communicator, _ = await open_socketio()
        await handshake(communicator, token)
        outputs = []
        for _ in range(5):
            await communicator.send_to(text_data='42["ping",{}]')
        while True:
            output = await communicator.receive_output(timeout=2)
            outputs.append(output)
            if output["type"] == "websocket.close":
                return outputs

    outputs = run(scenario())

    assert outputs[-1] == {"type": "websocket.close", "code": 1008}


def test_polling_is_refused_with_a_clear_message(client, db):
    response = client.get("/socket.io/?EIO=4&transport=polling&t=abc")

    assert response.status_code == 400
    assert "websocket" in response.json()["message"]


def test_logging_out_closes_the_sessions_open_sockets(token_for):
    from channels.db import database_sync_to_async

    from accounts.models import AuthSession
    from accounts.services.sessions import logout, start_session

    user, _ = token_for("leaver@example.com")
    token = start_session(user)["accessToken"]
    _, other_token = token_for("stayer@example.com")

    @database_sync_to_async
    def log_out():
        logout(AuthSession.objects.filter(user=user).latest("created_at"))

    async def scenario():
        leaving, _ = await open_socketio()
        staying, _ = await open_socketio()
        await handshake(leaving, token)
        await handshake(staying, other_token)
        await log_out()
        told = await leaving.receive_from(timeout=5)
        closed = await leaving.receive_output(timeout=5)
        still_open = await staying.receive_nothing(timeout=0.3)
        await staying.disconnect()
        return told, closed, still_open

    told, closed, still_open = run(scenario())

    assert told == "41"
    assert closed == {"type": "websocket.close", "code": 4401}
    assert still_open
