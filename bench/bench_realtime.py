"""Realtime fan-out in service mode: many Socket.IO clients subscribed to every
symbol, one daphne process and the feed publisher joined by channels-redis.

Figures: clients connected, price updates delivered per second against the rate
expected (clients x symbols x updates per second), and the delivery latency from
the price's timestamp to its arrival at the client.
"""

import asyncio
import contextlib
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from bench.http import (
    ROOT,
    _free_port,
    _wait_until_up,
    access_token,
    percentile,
    prepare,
    service_env,
)
from bench.wsclient import connect

CLIENTS = 1000
SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"]
MEASURE_SECONDS = 10
CONNECT_BATCH = 50


_TIMESTAMP = re.compile(rb'"timestamp":(\d+)')


class Client:
    """One Socket.IO client: connects, authenticates, subscribes, then counts
    price updates and their delay from the price's timestamp."""

    def __init__(self, stats):
        self.stats = stats
        self.stage = "open"
        self.ready = asyncio.get_running_loop().create_future()

    def on_text(self, ws, payload):
        if payload.startswith(b'42["price_update"'):
            if self.stats["measuring"]:
                sent = int(_TIMESTAMP.search(payload).group(1))
                self.stats["latencies"].append(time.time() * 1000 - sent)
        elif payload == b"2":
            ws.send_text("3")
        elif self.stage == "open" and payload.startswith(b"0"):
            self.stage = "auth"
            ws.send_text("40" + json.dumps({"token": self.stats["token"]}))
        elif self.stage == "auth" and payload.startswith(b"4"):
            if not payload.startswith(b"40"):
                self.ready.set_exception(RuntimeError(payload.decode()))
                return
            self.stage = "subscribed"
            ws.send_text('421["subscribe",' + json.dumps({"symbols": SYMBOLS}) + "]")
            self.ready.set_result(True)


async def _measure(ports, token, clients):
    stats = {"token": token, "measuring": False, "latencies": []}
    path = "/socket.io/?EIO=4&transport=websocket"
    pool, sockets = [], []
    started = time.perf_counter()
    for i in range(0, clients, CONNECT_BATCH):
        batch = [Client(stats) for _ in range(min(CONNECT_BATCH, clients - i))]
        sockets += await asyncio.gather(
            *(
                connect("127.0.0.1", ports[(i + n) % len(ports)], path, c.on_text)
                for n, c in enumerate(batch)
            )
        )
        await asyncio.gather(*(c.ready for c in batch))
        pool += batch
    connect_seconds = time.perf_counter() - started

    await asyncio.sleep(3)  # let subscriptions settle and the feed warm up
    stats["measuring"] = True
    window_start = time.perf_counter()
    await asyncio.sleep(MEASURE_SECONDS)
    stats["measuring"] = False
    window = time.perf_counter() - window_start
    for ws in sockets:
        ws.transport.close()

    latencies = stats["latencies"]
    return {
        "connect_seconds": connect_seconds,
        "delivered_per_s": len(latencies) / window,
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
    }


@contextlib.contextmanager
def _processes(env, ports):
    servers = [
        subprocess.Popen(
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
        for port in ports
    ]
    feed = subprocess.Popen(
        [sys.executable, "manage.py", "run_feed"], cwd=ROOT, env=env
    )
    try:
        for port in ports:
            _wait_until_up(f"http://127.0.0.1:{port}/api/ping")
        yield
    finally:
        for process in (feed, *servers):
            process.terminate()
            process.wait(10)


def _rows(label, clients, figures):
    expected = clients * len(SYMBOLS)
    return [
        {
            "name": f"{label}: clients connected",
            "value": clients,
            "unit": "",
            "note": (
                f"in {figures['connect_seconds']:.1f}s, {len(SYMBOLS)} symbols each"
            ),
        },
        {
            "name": f"{label}: price updates delivered",
            "value": figures["delivered_per_s"],
            "unit": "msg/s",
            "target": f">= {expected * 0.95:.0f}",
            "note": f"expected {expected}/s",
        },
        {"name": f"{label}: latency p50", "value": figures["p50_ms"], "unit": "ms"},
        {
            "name": f"{label}: latency p99",
            "value": figures["p99_ms"],
            "unit": "ms",
            "target": "<= 250",
        },
    ]


def run(clients=CLIENTS, process_counts=(1, 2)):
    """One daphne process, then one per core: how the feed scales out."""
    env = service_env({"LOG_LEVEL": "WARNING", "REALTIME_MAX_SYMBOLS": "50"})
    prepare(env)
    token = access_token().removeprefix("Bearer ")
    rows = []
    for count in process_counts:
        ports = [_free_port() for _ in range(count)]
        with _processes(env, ports):
            figures = asyncio.run(_measure(ports, token, clients))
        rows += _rows(f"{count} daphne", clients, figures)
    return rows
