"""The documented client, npm's socket.io-client, against a real server process."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
from django.conf import settings

JS_DIR = settings.BASE_DIR / "tests" / "realtime" / "js"


@pytest.fixture(scope="session")
def node_client():
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "node and npm are needed for the socket.io-client tests"
    if not (JS_DIR / "node_modules" / "socket.io-client").exists():
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent"],
            cwd=JS_DIR,
            check=True,
            timeout=300,
        )
    return node


def server_env(var_dir, **extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "REQUIRE_SERVICES")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        VAR_DIR=str(var_dir),
        REALTIME_PRICE_INTERVAL_S="0.2",
        SCHEDULER_ENABLED="false",
        LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def session_token(env, email):
    return session_tokens(env, email)[0]


def session_tokens(env, *emails):
    """(user id, access token of a new session) for each email, the user made
    when new; one shell for all of them."""
    script = (
        "from accounts.models import User;"
        "from accounts.services.sessions import start_session\n"
        f"for email in {list(emails)!r}:\n"
        "    u = User.objects.filter(email=email).first() or "
        "User.objects.create_user(email, 'a-Strong-pass-42')\n"
        "    print(u.pk, start_session(u)['accessToken'])"
    )
    lines = manage(env, "shell", "-c", script).splitlines()[-len(emails) :]
    return [tuple(line.split()) for line in lines]


def start_daphne(env, port, output=None):
    """A daphne process serving the project; its output goes to ``output`` (a
    file) when given."""
    process = subprocess.Popen(
        [
            str(shutil.which("daphne", path=os.path.dirname(sys.executable))),
            "-v",
            "0",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "config.asgi:application",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=output,
        stderr=output,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ping", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("daphne did not start")


def start_client(node, port, token, wait_ms=2500, order_quantity=None):
    return subprocess.Popen(
        [
            node,
            "client.mjs",
            f"http://127.0.0.1:{port}",
            token,
            "BTCUSDT",
            str(wait_ms),
            *([order_quantity] if order_quantity else []),
        ],
        cwd=JS_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )


def client_result(process):
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    return json.loads(out.strip().splitlines()[-1])


def run_client(node, port, token, wait_ms=2500, order_quantity=None):
    return client_result(start_client(node, port, token, wait_ms, order_quantity))


@pytest.fixture
def embedded_server(tmp_path, free_port):
    env = server_env(tmp_path)
    manage(env, "migrate", "--noinput", "-v0")
    process = start_daphne(env, free_port)
    yield env, free_port
    process.terminate()
    process.wait(10)


def test_socketio_client_connects_subscribes_and_gets_prices(
    node_client, embedded_server
):
    env, port = embedded_server
    _, token = session_token(env, "node@example.com")

    result = run_client(node_client, port, token)

    assert result["connected"] is True
    assert result["subscribeAck"] == {
        "subscribed": ["BTCUSDT"],
        "unknown": ["NOTASYMBOL"],
    }
    assert result["pong"]["pong"] is True
    assert len(result["prices"]) >= 3
    assert {p["symbol"] for p in result["prices"]} == {"BTCUSDT"}
    assert all(p["price"] > 0 for p in result["prices"])


def test_socketio_client_is_told_when_its_own_order_fills(node_client, embedded_server):
    env, port = embedded_server
    _, token = session_token(env, "filled@example.com")
    _, other_token = session_token(env, "bystander@example.com")

    # Another user listens the whole time the first one trades.
    watching = start_client(node_client, port, other_token, wait_ms=5000)
    result = run_client(node_client, port, token, wait_ms=4000, order_quantity="0.001")
    bystander = client_result(watching)

    assert result["orderStatus"] == 201
    order_id = result["order"]["id"]
    assert any(
        update["id"] == order_id and update["status"] == "FILLED"
        for update in result["orderUpdates"]
    )
    assert {b["asset"] for b in result["balanceUpdates"]} >= {"BTC", "USDT"}
    assert any("fill" in note["message"].lower() for note in result["notifications"])
    assert bystander["connected"] and bystander["prices"]
    assert bystander["orderUpdates"] == [] and bystander["notifications"] == []


def test_socketio_client_is_refused_with_a_bad_token(node_client, embedded_server):
    _, port = embedded_server

    result = run_client(node_client, port, "forged.token.value")

    assert result["connected"] is False
    assert result["connectError"] == "Invalid or expired token"


@pytest.mark.redis
def test_an_event_published_by_one_process_reaches_a_client_of_another(
    node_client, tmp_path, free_port
):
    """The feed publisher and the websocket server are separate processes joined by
    channels-redis, as in service mode."""
    env = server_env(
        tmp_path,
        REDIS_URL=settings.REDIS_URL,
        SECRET_KEY="realtime-test-secret-0123456789abcdef0123456789",
        CACHE_KEY_PREFIX=f"rt-{free_port}",
    )
    manage(env, "migrate", "--noinput", "-v0")
    _, token = session_token(env, "redis@example.com")
    server = start_daphne(env, free_port)
    feed = subprocess.Popen(
        [sys.executable, "manage.py", "run_feed", "--interval", "0.2"],
        cwd=settings.BASE_DIR,
        env={**env, "LOG_LEVEL": "INFO"},
        stderr=subprocess.PIPE,
        text=True,
    )
    # The client connects once the publisher is running, not while it imports.
    for line in feed.stderr:
        if "Market feed publishing" in line:
            break
    try:
        result = run_client(node_client, free_port, token, wait_ms=3000)
    finally:
        for process in (feed, server):
            process.terminate()
            process.wait(10)

    assert result["connected"] is True
    assert len(result["prices"]) >= 3
