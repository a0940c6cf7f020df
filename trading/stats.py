"""Figures of the paper exchange for the admin's stats."""

from django.db.models import Sum

from trading.amounts import ZERO


def order_count():
    from trading.models import Order

    return Order.objects.count()


def trading_volume():
    """Quote value of every fill, in the quote asset (all symbols quote USDT)."""
    from trading.models import Fill

    return Fill.objects.aggregate(total=Sum("quote_qty"))["total"] or ZERO
