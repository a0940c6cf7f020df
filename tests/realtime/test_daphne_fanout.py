"""Fan-out through a real daphne process, where the hub writes to the sockets
itself (realtime.wire) rather than through each consumer's ASGI send."""

import asyncio
import json
import urllib.request

import pytest
from django.conf import settings
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from realtime import events
from tests.realtime.test_socketio_client import (
    manage,
    server_env,
    session_token,
    start_daphne,
)

SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"]


def log_out(port, token):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/auth/logout",
        method="POST",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204


async def open_session(port, token, symbols=(), **options):
    """A raw Engine.IO/Socket.IO session, connected and subscribed; ``options``
    go to websockets' ``connect``."""
    socket = await connect(
        f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket", **options
    )
    assert (await socket.recv()).startswith("0")
    await socket.send("40" + json.dumps({"token": token}))
    assert (await socket.recv()).startswith("40")
    if symbols:
        await socket.send('421["subscribe",' + json.dumps({"symbols": symbols}) + "]")
        while not (answer := await socket.recv()).startswith("431"):
            pass
        assert json.loads(answer[3:])[0]["subscribed"] == sorted(symbols)
    return socket


async def read_until_closed(socket):
    """Every frame until the server closes the connection, and its close code."""
    frames = []
    try:
        while True:
            frames.append(await asyncio.wait_for(socket.recv(), 10))
    except ConnectionClosed:
        pass
    return frames, socket.close_code


def events_of(frames, name):
    prefix = f'42["{name}",'
    return [json.loads(f[2:])[1] for f in frames if f.startswith(prefix)]


@pytest.fixture
def embedded_daphne(tmp_path, free_port):
    env = server_env(tmp_path)
    manage(env, "migrate", "--noinput", "-v0")
    process = start_daphne(env, free_port)
    yield env, free_port
    process.terminate()
    process.wait(10)


def test_each_tick_reaches_a_client_of_every_symbol_until_its_session_ends(
    embedded_daphne,
):
    env, port = embedded_daphne
    _, token = session_token(env, "fanout@example.com")

    async def scenario():
        socket = await open_session(port, token, SYMBOLS)
        await asyncio.sleep(1.5)
        await asyncio.to_thread(log_out, port, token)
        return await read_until_closed(socket)

    frames, code = asyncio.run(scenario())

    prices = events_of(frames, "price_update")
    assert {p["symbol"] for p in prices} == set(SYMBOLS)
    for symbol in SYMBOLS:
        stamps = [p["timestamp"] for p in prices if p["symbol"] == symbol]
        assert len(stamps) >= 3
        assert stamps == sorted(stamps)
    # The session's end comes after everything sent before it, then the close.
    assert frames[-1] == "41"
    assert code == 4401


@pytest.mark.redis
def test_a_burst_from_another_process_arrives_whole_and_in_order(tmp_path, free_port):
    env = server_env(
        tmp_path,
        REDIS_URL=settings.REDIS_URL,
        SECRET_KEY="realtime-test-secret-0123456789abcdef0123456789",
        CACHE_KEY_PREFIX=f"rt-{free_port}",
    )
    manage(env, "migrate", "--noinput", "-v0")
    user_id, token = session_token(env, "burst@example.com")
    server = start_daphne(env, free_port)

    async def scenario():
        socket = await open_session(free_port, token)
        for number in range(300):
            await events.apublish(
                events.user_group(user_id),
                events.NOTIFICATION,
                {"message": f"note {number}", "type": "info"},
            )
        # Logging out publishes the session's end after the burst.
        await asyncio.to_thread(log_out, free_port, token)
        return await read_until_closed(socket)

    try:
        frames, code = asyncio.run(scenario())
    finally:
        server.terminate()
        server.wait(10)

    notes = [n["message"] for n in events_of(frames, "notification")]
    assert notes == [f"note {number}" for number in range(300)]
    assert frames[-1] == "41"
    assert code == 4401
