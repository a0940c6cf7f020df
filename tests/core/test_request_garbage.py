"""A finished request leaves nothing for the cycle collector: its objects go
with the response. Garbage in cycles waits for the collector's full passes,
which hold every thread of a busy worker for tens of milliseconds."""

import gc
import io
import json

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections

from accounts.services.sessions import start_session
from trading.services.fund_account import fund, get_account


@pytest.fixture
def call_app():
    """Call the WSGI application as a server does (without the test client,
    which keeps every request and response it makes)."""
    application = WSGIHandler()
    # As the test client does: the test's transaction outlives each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)

    def call(method, path, token=None, body=b""):
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "HTTP_HOST": "testserver",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json",
        }
        if token:
            environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        status = []
        response = application(environ, lambda line, headers: status.append(line))
        content = b"".join(response)
        response.close()
        return status[0], content

    try:
        yield call
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _garbage_of(calls):
    """Objects that only the cycle collector would free, after ``calls()``."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        calls()
        gc.collect()
        return [type(found).__qualname__ for found in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def test_a_ping_leaves_no_garbage_in_cycles(call_app, db):
    call_app("GET", "/api/ping")

    def calls():
        for _ in range(5):
            status, _ = call_app("GET", "/api/ping")
            assert status.startswith("200")

    assert _garbage_of(calls) == []


def test_an_order_leaves_no_garbage_in_cycles(call_app, user):
    fund(get_account(user), "USDT", 100_000)
    token = start_session(user)["accessToken"]
    body = json.dumps(
        {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
    ).encode()
    call_app("POST", "/api/trading/orders", token, body)

    def calls():
        for _ in range(5):
            status, content = call_app("POST", "/api/trading/orders", token, body)
            assert status.startswith("201"), content
            assert json.loads(content)["order"]["status"] == "FILLED"

    assert _garbage_of(calls) == []
