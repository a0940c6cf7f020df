"""Which symbols a client may subscribe to: those the market data knows."""

import time

_cache = {"at": 0.0, "symbols": frozenset()}
_TTL_SECONDS = 30


def known_symbols():
    """Names of the tradable symbols, refreshed every 30 seconds."""
    now = time.monotonic()
    if now - _cache["at"] > _TTL_SECONDS or not _cache["symbols"]:
        from trading.market.symbols import all_specs

        _cache["symbols"] = frozenset(spec.symbol for spec in all_specs())
        _cache["at"] = now
    return _cache["symbols"]


def forget():
    """Drop the cached names (tests that recreate symbols)."""
    _cache["at"] = 0.0
    _cache["symbols"] = frozenset()
