from django.urls import re_path

from realtime import consumers

websocket_urlpatterns = [
    re_path(r"^socket\.io/?$", consumers.SocketIOConsumer.as_asgi()),
    re_path(r"^ws/feed/?$", consumers.JsonFeedConsumer.as_asgi()),
]
