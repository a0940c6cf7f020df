import asyncio

import pytest
from channels.testing import WebsocketCommunicator

from accounts.models import User
from config.asgi import application


@pytest.fixture
def token_for(transactional_db):
    def make(email="feed@example.com"):
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, "a-Strong-pass-42"
        )
        # Tokens come from a login session, as the API issues them.
        from accounts.services.sessions import start_session

        return user, start_session(user)["accessToken"]

    return make


def run(coroutine):
    return asyncio.run(coroutine)


async def open_socketio(path="/socket.io/?EIO=4&transport=websocket", origin=None):
    headers = [(b"host", b"localhost")]
    if origin:
        headers.append((b"origin", origin.encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    return communicator, connected
