"""gunicorn with the project's settings (config/gunicorn.py) spreads keep-alive
connections evenly over its workers, and never lets a stuck worker hold a new
connection back."""

import collections
import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def gunicorn_log(tmp_path):
    return tmp_path / "gunicorn.log"


@pytest.fixture
def gunicorn(free_port, gunicorn_log):
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "tests.core.pid_app:application",
        "-c",
        "config/gunicorn.py",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{free_port}",
    ]
    env = {**os.environ, "WEB_WARM_REQUESTS": "30"}
    log = open(gunicorn_log, "wb")  # noqa: SIM115 (closed with the server)
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    opened = []

    def connect():
        connection = http.client.HTTPConnection("127.0.0.1", free_port, timeout=10)
        opened.append(connection)
        return connection

    try:
        _wait_for_two_workers(connect)
        yield connect
    finally:
        for connection in opened:
            connection.close()
        process.terminate()
        process.wait(10)
        log.close()


def served_by(connection):
    connection.request("GET", "/")
    response = connection.getresponse()
    assert response.status == 200
    return int(response.read())


def _wait_for_two_workers(connect):
    """Until both workers take connections: one connection held on the first
    leaves the next to the second once its loop runs. All are closed after,
    and the workers given a moment to see it."""
    deadline = time.monotonic() + 30
    while True:
        try:
            held = connect()
            first = served_by(held)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    while time.monotonic() < deadline:
        probe = connect()
        other = served_by(probe)
        probe.close()
        if other != first:
            held.close()
            time.sleep(0.3)
            return
        time.sleep(0.05)
    raise RuntimeError("the second gunicorn worker never took a connection")


def test_keep_alive_connections_are_spread_evenly(gunicorn):
    connections = [gunicorn() for _ in range(20)]
    pids = collections.Counter(served_by(connection) for connection in connections)

    assert sorted(pids.values()) == [10, 10]
    # Each connection stays with its worker.
    again = collections.Counter(served_by(connection) for connection in connections)
    assert again == pids


def test_a_burst_of_connections_is_spread_evenly(gunicorn):
    connections = [gunicorn() for _ in range(16)]
    for connection in connections:
        connection.connect()
    pids = collections.Counter(served_by(connection) for connection in connections)

    assert sorted(pids.values()) == [8, 8]


def test_a_stopped_worker_does_not_hold_new_connections_back(gunicorn):
    held = collections.Counter(served_by(gunicorn()) for _ in range(3))
    # Two connections on one worker, one on the other: the next connection is
    # the second worker's, and that worker is stopped.
    ((fewer, _),) = [(pid, n) for pid, n in held.items() if n == 1]
    os.kill(fewer, signal.SIGSTOP)
    try:
        started = time.monotonic()
        assert served_by(gunicorn()) != fewer
        assert time.monotonic() - started < 1.0
    finally:
        os.kill(fewer, signal.SIGCONT)


def test_a_worker_freezes_what_it_built_once_warm(gunicorn, gunicorn_log):
    connection = gunicorn()
    served = collections.Counter(served_by(connection) for _ in range(40))
    (pid,) = served

    deadline = time.monotonic() + 5
    while f"Worker {pid} froze" not in gunicorn_log.read_text():
        assert time.monotonic() < deadline, gunicorn_log.read_text()
        time.sleep(0.05)
