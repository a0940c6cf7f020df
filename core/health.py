"""Health probes: each service is asked, never assumed.

Apps register a probe for their service in ``AppConfig.ready``. A probe returns
one of the statuses below. The database is critical: when it is down the platform
is unhealthy. Any other service failing makes it degraded. ``embedded`` (a service
replaced by its in-process form) and ``not_configured`` do not count against it.
"""

import logging
import time

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

HEALTHY = "healthy"
DEGRADED = "degraded"
UNHEALTHY = "unhealthy"
EMBEDDED = "embedded"
NOT_CONFIGURED = "not_configured"

STARTED_AT = time.monotonic()

_probes = {}
_critical = set()


def register_probe(name, probe, critical=False):
    """Add or replace the probe reported under ``services[name]``."""
    _probes[name] = probe
    if critical:
        _critical.add(name)
    else:
        _critical.discard(name)


def uptime_seconds():
    return int(time.monotonic() - STARTED_AT)


def probe_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HEALTHY


_redis_clients = {}


def probe_redis():
    url = settings.REDIS_URL
    if not url:
        return EMBEDDED
    import redis

    client = _redis_clients.get(url)
    if client is None:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        _redis_clients[url] = client
    client.ping()
    return HEALTHY


def not_configured():
    return NOT_CONFIGURED


def check_all():
    """Run every probe; answers ``(overall status, {service: status})``."""
    services = {}
    for name, probe in _probes.items():
        try:
            services[name] = probe()
        except Exception as exc:
            logger.warning("Health probe %s failed: %s", name, exc)
            services[name] = UNHEALTHY

    overall = HEALTHY
    for name, state in services.items():
        if state in (EMBEDDED, NOT_CONFIGURED, HEALTHY):
            continue
        if name in _critical and state == UNHEALTHY:
            return UNHEALTHY, services
        overall = DEGRADED
    return overall, services


def register_defaults():
    register_probe("database", probe_database, critical=True)
    register_probe("redis", probe_redis)
    # Until their apps replace these, the engines say plainly that they are absent.
    for name in ("mlEngine", "llmAgent", "tradingAgents"):
        _probes.setdefault(name, not_configured)
