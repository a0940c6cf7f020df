"""Exact amounts for the paper exchange: one home for their precision.

Balances, ledger entries, orders, fills and positions hold Decimals with at most
8 decimals (Binance's finest unit). They are stored as integer counts of 1e-8 by
:class:`AmountField`, so that SQLite (whose decimals are floats) keeps them and
sums them as exactly as PostgreSQL does. An amount with a finer digit is refused
when saved, never rounded silently; the engine rounds on purpose, here.
"""

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Decimal

from django import forms
from django.db import models

PLACES = 8
UNIT = Decimal(1).scaleb(-PLACES)
ZERO = Decimal(0)


def to_unit(value, rounding=ROUND_HALF_EVEN):
    """``value`` rounded to 1e-8 in the given direction."""
    return Decimal(value).quantize(UNIT, rounding=rounding)


def round_up(value):
    return to_unit(value, ROUND_UP)


def round_down(value):
    return to_unit(value, ROUND_DOWN)


def plain(value):
    """Without trailing zeros, for display: 1.50000000 -> 1.5, 100 -> 100."""
    if value is None:
        return None
    value = Decimal(value)
    return (
        value.quantize(Decimal(1))
        if value == value.to_integral()
        else value.normalize()
    )


class AmountField(models.BigIntegerField):
    """A Decimal with at most 8 decimals, stored as an integer count of 1e-8."""

    description = "Exact amount (8 decimals, stored as an integer of 1e-8)"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return Decimal(value).scaleb(-PLACES).quantize(UNIT)

    def to_python(self, value):
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(str(value))

    def get_prep_value(self, value):
        if value is None:
            return None
        if hasattr(value, "resolve_expression"):
            return value
        units = Decimal(str(value) if isinstance(value, float) else value).scaleb(
            PLACES
        )
        if units != units.to_integral_value():
            raise ValueError(f"{value} has more than {PLACES} decimals")
        return int(units)

    def formfield(self, **kwargs):
        defaults = {"form_class": forms.DecimalField, "decimal_places": PLACES}
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)
