"""Realtime fan-out in service mode: many Socket.IO clients subscribed to every
symbol, one daphne process and the feed publisher joined by channels-redis.

Figures: clients connected, price updates delivered per second against the rate
expected (clients x symbols x updates per second), and the delivery latency from
the price's timestamp to its arrival at the client.
"""

import asyncio
import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path

import websockets

from bench.http import (
    ROOT,
    _free_port,
    _wait_until_up,
    access_token,
    percentile,
    prepare,
    service_env,
)

CLIENTS = 1000
SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"]
MEASURE_SECONDS = 10
CONNECT_BATCH = 50


class Client:
    def __init__(self, url, token):
        self.url, self.token = url, token
        self.latencies = []
        self.received = 0
        self.measuring = False

    async def connect(self):
        self.ws = await websockets.connect(self.url, max_size=2**20, ping_interval=None)
        await self.ws.recv()  # Engine.IO open
        await self.ws.send("40" + json.dumps({"token": self.token}))
        answer = await self.ws.recv()
        if not answer.startswith("40"):
            raise RuntimeError(f"refused: {answer}")
        await self.ws.send('421["subscribe",' + json.dumps({"symbols": SYMBOLS}) + "]")

    async def listen(self):
        async for frame in self.ws:
            if frame == "2":
                await self.ws.send("3")
            elif frame.startswith('42["price_update"') and self.measuring:
                sent = json.loads(frame[2:])[1]["timestamp"]
                self.latencies.append(time.time() * 1000 - sent)
                self.received += 1


async def _measure(url, token, clients):
    pool = [Client(url, token) for _ in range(clients)]
    started = time.perf_counter()
    for i in range(0, clients, CONNECT_BATCH):
        await asyncio.gather(*(c.connect() for c in pool[i : i + CONNECT_BATCH]))
    connect_seconds = time.perf_counter() - started
    listeners = [asyncio.ensure_future(c.listen()) for c in pool]

    await asyncio.sleep(3)  # let subscriptions settle and the feed warm up
    for c in pool:
        c.measuring = True
    window_start = time.perf_counter()
    await asyncio.sleep(MEASURE_SECONDS)
    for c in pool:
        c.measuring = False
    window = time.perf_counter() - window_start

    for task in listeners:
        task.cancel()
    await asyncio.gather(*(c.ws.close() for c in pool), return_exceptions=True)
    latencies = [x for c in pool for x in c.latencies]
    return {
        "connect_seconds": connect_seconds,
        "delivered_per_s": sum(c.received for c in pool) / window,
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
    }


@contextlib.contextmanager
def _processes(env, port):
    daphne = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "daphne"),
            "-v",
            "0",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "config.asgi:application",
        ],
        cwd=ROOT,
        env=env,
    )
    feed = subprocess.Popen(
        [sys.executable, "manage.py", "run_feed"], cwd=ROOT, env=env
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/api/ping")
        yield
    finally:
        for process in (feed, daphne):
            process.terminate()
            process.wait(10)


def run(clients=CLIENTS):
    env = service_env({"LOG_LEVEL": "WARNING", "REALTIME_MAX_SYMBOLS": "50"})
    prepare(env)
    token = access_token().removeprefix("Bearer ")
    port = _free_port()
    with _processes(env, port):
        figures = asyncio.run(
            _measure(
                f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket",
                token,
                clients,
            )
        )
    expected = clients * len(SYMBOLS)
    return [
        {
            "name": "clients connected",
            "value": clients,
            "unit": "",
            "note": (
                f"in {figures['connect_seconds']:.1f}s, {len(SYMBOLS)} symbols each"
            ),
        },
        {
            "name": "price updates delivered",
            "value": figures["delivered_per_s"],
            "unit": "msg/s",
            "target": f">= {expected * 0.95:.0f}",
            "note": f"expected {expected}/s",
        },
        {"name": "delivery latency p50", "value": figures["p50_ms"], "unit": "ms"},
        {
            "name": "delivery latency p99",
            "value": figures["p99_ms"],
            "unit": "ms",
            "target": "<= 250",
        },
    ]
