"""Symbols as the market code reads them: immutable specs, cached in-process.

Every market request needs its symbol's tick and step; reading them from the
database each time would cost a query on the hottest route, so the specs are kept
for a short while and dropped whenever a Symbol row changes in this process.
"""

import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from core.errors import ValidationFailed

CACHE_SECONDS = 30


class UnknownSymbol(ValidationFailed):
    def __init__(self, name, field="symbol"):
        super().__init__(field, f"Unknown symbol {name!r}.", reason="UNKNOWN_SYMBOL")


def _decimals(unit):
    return max(0, -unit.normalize().as_tuple().exponent)


def _e8(value):
    return int(Decimal(value).scaleb(8))


@dataclass(frozen=True)
class SymbolSpec:
    symbol: str
    base_asset: str
    quote_asset: str
    status: str
    tick_size: Decimal
    step_size: Decimal
    min_price: Decimal
    max_price: Decimal
    min_qty: Decimal
    max_qty: Decimal
    min_notional: Decimal
    sim_price: Decimal
    sim_daily_volatility: Decimal
    sim_minute_volume: Decimal

    @classmethod
    def from_row(cls, row):
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})

    @cached_property
    def tick_e8(self):
        return _e8(self.tick_size)

    @cached_property
    def step_e8(self):
        return _e8(self.step_size)

    @cached_property
    def price_decimals(self):
        return _decimals(self.tick_size)

    @cached_property
    def qty_decimals(self):
        return _decimals(self.step_size)

    def round_price(self, value):
        """A Decimal price to the nearest tick (half-even), with the tick's places."""
        ticks = (Decimal(value) / self.tick_size).to_integral_value()
        return (ticks * self.tick_size).quantize(self.tick_size.normalize())

    def round_qty(self, value):
        """A Decimal quantity down to a whole number of steps, as Binance's LOT_SIZE."""
        steps = (Decimal(value) / self.step_size).to_integral_value(
            rounding="ROUND_DOWN"
        )
        return (steps * self.step_size).quantize(self.step_size.normalize())


_lock = threading.Lock()
_cache = {"specs": None, "loaded_at": 0.0}


def clear_cache(**_kwargs):
    with _lock:
        _cache["specs"] = None


def _specs():
    specs = _cache["specs"]
    if specs is not None and time.monotonic() - _cache["loaded_at"] < CACHE_SECONDS:
        return specs
    from trading.models import Symbol

    specs = {row.symbol: SymbolSpec.from_row(row) for row in Symbol.objects.all()}
    with _lock:
        _cache["specs"] = specs
        _cache["loaded_at"] = time.monotonic()
    return specs


def all_specs():
    """Every symbol, ordered by name."""
    return [spec for _, spec in sorted(_specs().items())]


def get_spec(name, field="symbol"):
    """The spec of ``name`` (case-insensitive); a 422 naming ``field`` if unknown."""
    spec = _specs().get(str(name).upper())
    if spec is None:
        raise UnknownSymbol(name, field)
    return spec
