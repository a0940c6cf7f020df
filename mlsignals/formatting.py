"""How engine numbers leave the engine: exact decimals, ISO times, chart times."""

import math
from datetime import UTC, datetime
from decimal import Decimal

from core.time import isoformat

INDICATOR_PLACES = 4


def price(spec, value):
    """A float price as a Decimal at the symbol's tick; None for NaN/None."""
    if value is None or math.isnan(value):
        return None
    return spec.round_price(Decimal(repr(float(value))))


def number(value, places=INDICATOR_PLACES):
    """A float as a Decimal with ``places`` decimals; None for NaN/None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return Decimal(f"{float(value):.{places}f}")


def ms_to_datetime(ms):
    return datetime.fromtimestamp(int(ms) / 1000, UTC)


def ms_to_iso(ms):
    return isoformat(ms_to_datetime(ms))
