"""The embedded server runs the ASGI application: the conventions hold there too."""

import asyncio

from channels.testing import HttpCommunicator

from config.asgi import application


def request(path, headers=()):
    async def call():
        communicator = HttpCommunicator(
            application, "GET", path, headers=[(b"host", b"localhost"), *headers]
        )
        return await communicator.get_response(timeout=5)

    return asyncio.run(call())


def test_the_asgi_application_serves_the_api_with_request_ids():
    response = request("/api/ping", headers=[(b"x-request-id", b"asgi-1")])

    assert response["status"] == 200
    headers = dict(response["headers"])
    assert headers[b"X-Request-ID"] == b"asgi-1"
    assert b'"pong":true' in response["body"]


def test_the_asgi_application_answers_unknown_routes_with_the_envelope():
    response = request("/api/unknown")

    assert response["status"] == 404
    assert b'"code": "NOT_FOUND"' in response["body"]
