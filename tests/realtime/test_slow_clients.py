"""A client that reads too slowly is closed, and the feed goes on for the others:
under daphne (realtime.wire) and through any other ASGI server (the outbox)."""

import asyncio
import logging
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from config.asgi import application
from realtime import events
from tests.realtime.conftest import run
from tests.realtime.test_daphne_fanout import (
    SYMBOLS,
    events_of,
    open_session,
    read_until_closed,
)
from tests.realtime.test_socketio import handshake, next_event
from tests.realtime.test_socketio_client import (
    manage,
    server_env,
    session_tokens,
    start_daphne,
)

SOCKETIO_PATH = "/socket.io/?EIO=4&transport=websocket"


def a_socket_with_a_tiny_receive_buffer(port):
    """Connected before the handshake, so the window it announces stays small."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", port))
    raw.setblocking(False)
    return raw


@pytest.fixture
def daphne_with_a_small_bound(tmp_path, free_port):
    """A daphne process (its log in a file) and the sessions of two users."""
    env = server_env(tmp_path, REALTIME_MAX_BUFFERED_BYTES="65536")
    env["REALTIME_PRICE_INTERVAL_S"] = "0.05"
    manage(env, "migrate", "--noinput", "-v0")
    log = tmp_path / "daphne.log"
    with ThreadPoolExecutor(1) as pool, log.open("w") as output:
        sessions = pool.submit(
            session_tokens, env, "slow@example.com", "fast@example.com"
        )
        process = start_daphne(env, free_port, output=output)
        sessions = sessions.result()
    yield free_port, log, sessions
    process.terminate()
    process.wait(10)


def test_a_client_that_stops_reading_is_closed_and_the_others_keep_their_feed(
    daphne_with_a_small_bound,
):
    port, log, sessions = daphne_with_a_small_bound
    (slow_user, slow_token), (_, fast_token) = sessions

    async def scenario():
        loop = asyncio.get_running_loop()
        raw = a_socket_with_a_tiny_receive_buffer(port)
        slow = await open_session(port, slow_token, SYMBOLS, sock=raw)
        fast = await open_session(port, fast_token, SYMBOLS)

        # From here on the slow client reads nothing: its kernel buffers fill,
        # then the server's.
        slow.transport.pause_reading()
        paused = loop.time()
        before, after, dropped_after = [], [], None
        while loop.time() - paused < 10:
            frame = await asyncio.wait_for(fast.recv(), 5)
            if dropped_after is None:
                before.append(frame)
                if "too slow" in log.read_text():
                    dropped_after = loop.time() - paused
            else:
                after.append(frame)
                if loop.time() - paused > dropped_after + 1.5:
                    break

        # What reached the slow client before the server closed it, then the end.
        slow.transport.resume_reading()
        try:
            _, slow_code = await asyncio.wait_for(read_until_closed(slow), 5)
        except TimeoutError:
            slow_code = "still open"
        fast_open = fast.state.name == "OPEN"
        await fast.close()
        return before, after, dropped_after, slow_code, fast_open

    before, after, dropped_after, slow_code, fast_open = run(scenario())

    assert dropped_after is not None and dropped_after < 8
    # Aborted with its bytes unsent, the close frame among them.
    assert slow_code in (1006, 4408)
    warning = [line for line in log.read_text().splitlines() if "too slow" in line]
    assert len(warning) == 1
    assert f"user={slow_user}" in warning[0]
    assert "bytes waiting" in warning[0]
    assert slow_token not in log.read_text()

    assert fast_open
    assert {p["symbol"] for p in events_of(before, "price_update")} == set(SYMBOLS)
    prices_after = events_of(after, "price_update")
    for symbol in SYMBOLS:
        stamps = [p["timestamp"] for p in prices_after if p["symbol"] == symbol]
        assert len(stamps) >= 5
        assert stamps == sorted(stamps)


class HeldSends:
    """An ASGI server in front of the project whose ``send`` can be held, as a
    server applying backpressure holds it for a client that stopped reading."""

    def __init__(self, app):
        self.app = app
        self.flowing = asyncio.Event()
        self.flowing.set()

    async def __call__(self, scope, receive, send):
        async def held_send(message):
            await self.flowing.wait()
            await send(message)

        await self.app(scope, receive, held_send)


async def open_and_subscribe(app, token):
    communicator = WebsocketCommunicator(
        app, SOCKETIO_PATH, headers=[(b"host", b"localhost")]
    )
    await communicator.connect()
    await handshake(communicator, token)
    await communicator.send_to(text_data='421["subscribe",{"symbols":["BTCUSDT"]}]')
    assert (await communicator.receive_from(timeout=5)).startswith("431")
    return communicator


async def publish_prices(numbers):
    """One burst of price updates, as the hub receives a tick's."""
    await events.apublish_many(
        events.symbol_group("BTCUSDT"),
        [
            (events.PRICE_UPDATE, {"symbol": "BTCUSDT", "price": n, "timestamp": n})
            for n in numbers
        ],
    )


def tasks_named(name):
    return [
        task
        for task in asyncio.all_tasks()
        if task.get_coro().__qualname__.endswith(name) and not task.done()
    ]


@override_settings(REALTIME_MAX_BUFFERED_BYTES=4096)
def test_a_client_whose_sends_are_held_is_closed_without_holding_the_feed(
    token_for, caplog
):
    slow_user, slow_token = token_for("held@example.com")
    _, fast_token = token_for("quick@example.com")

    async def scenario():
        server = HeldSends(application)
        slow = await open_and_subscribe(server, slow_token)
        fast = await open_and_subscribe(application, fast_token)
        server.flowing.clear()

        # About 6 KB each: the first burst finds the slow client's outbox empty
        # and waits there whole; the second would take it past 4 KB.
        await publish_prices(range(100))
        first = [await next_event(fast, "price_update") for _ in range(100)]
        await publish_prices(range(100, 200))
        second = [await next_event(fast, "price_update") for _ in range(100)]

        server.flowing.set()
        told = await slow.receive_from(timeout=5)
        closed = await slow.receive_output(timeout=5)
        await slow.disconnect()
        await fast.disconnect()
        return first + second, told, closed, tasks_named("_write_out")

    with caplog.at_level(logging.WARNING, logger="realtime.consumers"):
        prices, told, closed, writers = run(scenario())

    assert [p["price"] for p in prices] == list(range(200))
    assert told == "41"
    assert closed == {"type": "websocket.close", "code": 4408}
    warnings = [r.getMessage() for r in caplog.records if "too slow" in r.getMessage()]
    assert len(warnings) == 1
    assert f"user={slow_user.pk}" in warnings[0]
    assert "bytes waiting" in warnings[0]
    assert slow_token not in caplog.text
    # Each connection's writer task ends with it.
    assert writers == []


@override_settings(REALTIME_MAX_BUFFERED_BYTES=4096)
def test_a_client_that_keeps_up_takes_bursts_over_the_bound(token_for):
    _, token = token_for()

    async def scenario():
        communicator = await open_and_subscribe(application, token)
        for start in (0, 100, 200):
            await publish_prices(range(start, start + 100))
            for _ in range(100):
                await next_event(communicator, "price_update")
        still_open = await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()
        return still_open

    assert run(scenario())
