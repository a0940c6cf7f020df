"""Websocket routes: the realtime feed (Socket.IO and plain JSON)."""

from realtime.routing import websocket_urlpatterns

__all__ = ["websocket_urlpatterns"]
