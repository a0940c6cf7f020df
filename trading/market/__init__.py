"""Market data for the whole platform: ``get_source()`` and what it answers.

    from trading.market import get_source

    source = get_source()
    candles = source.klines("BTCUSDT", "1h", limit=24)   # Candles; .rows(spec)
    source.price("BTCUSDT").price                          # Decimal at the tick

The source is chosen by the ``MARKET_DATA_SOURCE`` setting: ``simulated`` (the
default), ``stored`` or ``exchange``.
"""

import threading

from django.conf import settings

SOURCE_NAMES = ("simulated", "stored", "exchange")

_lock = threading.Lock()
_sources = {}


def make_source(name):
    if name == "simulated":
        from trading.market.sources import SimulatedSource

        return SimulatedSource()
    if name == "stored":
        from trading.market.sources import StoredSource

        return StoredSource()
    if name == "exchange":
        from trading.market.exchange import ExchangeSource

        return ExchangeSource(
            exchange_id=settings.MARKET_EXCHANGE,
            base_url=settings.MARKET_EXCHANGE_URL,
            timeout_ms=settings.MARKET_EXCHANGE_TIMEOUT_MS,
        )
    raise ValueError(f"Unknown market data source {name!r}; one of {SOURCE_NAMES}")


def get_source(name=None):
    """The market data source named ``name``, or the configured one; one instance
    per process and configuration."""
    name = name or settings.MARKET_DATA_SOURCE
    key = (name, settings.MARKET_EXCHANGE, settings.MARKET_EXCHANGE_URL)
    source = _sources.get(key)
    if source is None:
        with _lock:
            source = _sources.get(key) or make_source(name)
            _sources[key] = source
    return source


def reset_sources():
    """Forget the instances (after a settings change, e.g. in tests)."""
    with _lock:
        _sources.clear()
