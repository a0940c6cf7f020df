"""Websocket routes; the realtime feed adds its consumers here."""

websocket_urlpatterns = []
