"""ASGI entry: HTTP through Django, websockets through Channels.

In the embedded mode one daphne process serves both the REST and the websocket
port from this application, and runs the periodic jobs on its own scheduler.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from core import periodic  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Consumers check the Origin against the CORS list themselves.
        "websocket": URLRouter(websocket_urlpatterns),
    }
)

if settings.SCHEDULER_AUTOSTART:
    periodic.start_embedded_scheduler()

# As the REST and Celery workers do (config/gunicorn.py, config/celery.py): what
# the server loaded at start leaves the garbage collector's full collections. In a
# daphne process holding a thousand feed clients a full collection took 150-300 ms,
# all of it a pause in every client's delivery. Those clients' own objects still
# count: with the default first threshold (700) collections ran in the middle of
# each fan-out, moved its short-lived frames and handles to the oldest generation
# and so brought on a full collection every few seconds.
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 10, 10)
