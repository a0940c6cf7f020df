"""The engine's real state: models loaded, last run, data source reachable."""

import logging
import time

from django.core.cache import cache

from core import health as core_health
from core.time import isoformat, utc_now
from mlsignals import data
from mlsignals.models import Signal, SignalModel

logger = logging.getLogger(__name__)

PROBE_CACHE_SECONDS = 15


def connection():
    """Ask the data source now; never raises."""
    checked = utc_now()
    try:
        reachable, latency, source = data.probe()
        error = None
    except Exception as exc:  # any failure of the source means unreachable
        logger.warning("ML data source probe failed: %s", exc)
        reachable, latency, error = False, None, "The data source did not answer."
        from trading.market import get_source

        source = getattr(get_source(), "name", "unknown")
    return {
        "connected": reachable,
        "dataSource": source,
        "latencyMs": round(latency, 3) if latency is not None else None,
        "error": error,
        "checkedAt": isoformat(checked),
    }


def state():
    """Models, last run and data source, with an overall status."""
    started = time.perf_counter()
    link = connection()
    active = SignalModel.objects.filter(is_active=True)
    count = active.count()
    last_trained = active.order_by("-created_at").values_list("created_at", flat=True)
    last_signal = Signal.objects.order_by("-created_at").values_list(
        "created_at", flat=True
    )
    trained_at = last_trained.first()
    signal_at = last_signal.first()
    # Without a trained model the engine still answers (it trains one on the first
    # request), so only an unreachable data source makes it unhealthy.
    status = core_health.HEALTHY if link["connected"] else core_health.UNHEALTHY
    return {
        "status": status,
        "modelsLoaded": count,
        "models": sorted(
            f"{symbol} {timeframe}"
            for symbol, timeframe in active.values_list("symbol", "timeframe")
        ),
        "lastTraining": isoformat(trained_at) if trained_at else None,
        "lastRun": isoformat(signal_at) if signal_at else None,
        "dataSource": link,
        "checkMs": round((time.perf_counter() - started) * 1000, 3),
        "timestamp": isoformat(utc_now()),
    }


def probe():
    """``mlEngine`` in ``/api/health``, cached briefly so monitors stay cheap."""
    status = cache.get("ml:health:status")
    if status is None:
        status = state()["status"]
        cache.set("ml:health:status", status, PROBE_CACHE_SECONDS)
    return status
