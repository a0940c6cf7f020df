"""Settings for the test suite: the mode still comes from the environment."""

import tempfile
import uuid
from pathlib import Path

from config.settings.base import *  # noqa: F403
from config.settings.base import CACHES, DATABASES, EMBEDDED, RATE_LIMITS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SCHEDULER_AUTOSTART = False
DEMO_DATA = False

# Counters of one run never meet another's in a shared Redis.
if not EMBEDDED:
    CACHES["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:8]}"

# Generous limits so that ordinary tests are not throttled; the rate limit tests
# set their own.
RATE_LIMITS = {group: "100000/m" for group in RATE_LIMITS}

# Static files come from the apps' folders; no collectstatic before a test run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

# Tests start the feed publisher themselves when they need it.
REALTIME_EMBEDDED_PUBLISHER = False

# Connections of worker threads (database_sync_to_async) close after each use, so
# the test database can be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0

# Embedded runs test on a file, as the embedded server runs: WAL and the busy
# timeout of config.settings.base apply, so a job thread's write waits for a
# reader instead of failing with "table is locked", as SQLite's shared-cache
# in-memory database does.
if EMBEDDED:
    DATABASES["default"]["TEST"] = {
        "NAME": str(
            Path(tempfile.gettempdir()) / f"platform-test-{uuid.uuid4().hex[:8]}.db"
        )
    }
