"""Reads of the paper exchange, always scoped to one user: another user's order
or position is simply not found."""

from django.db.models import Prefetch, Sum

from core.errors import NotFound
from trading.choices import ACTIVE_STATUSES, FINAL_STATUSES, PositionStatus
from trading.models import Account, Balance, Fill, LedgerEntry, Order, Position


def orders_of(user):
    return Order.objects.filter(user=user)


def active_orders_of(user):
    return orders_of(user).filter(status__in=ACTIVE_STATUSES)


def order_history_of(user):
    return orders_of(user).filter(status__in=FINAL_STATUSES)


def with_fills(queryset):
    return queryset.prefetch_related(
        Prefetch("fills", queryset=Fill.objects.order_by("created_at", "id"))
    )


def order_of(user, order_id):
    order = with_fills(orders_of(user)).filter(pk=order_id).first()
    if order is None:
        raise NotFound("No such order.")
    return order


def positions_of(user, status=PositionStatus.OPEN):
    queryset = Position.objects.filter(user=user).select_related(
        "stop_loss_order", "take_profit_order"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def position_of(user, position_id):
    position = positions_of(user, status=None).filter(pk=position_id).first()
    if position is None:
        raise NotFound("No such position.")
    return position


def balances_of(user):
    return Balance.objects.filter(account__user=user).order_by("asset")


def ledger_sums(account):
    """``{asset: (available, locked)}`` summed from the ledger entries."""
    rows = (
        LedgerEntry.objects.filter(account=account)
        .values("asset")
        .annotate(available=Sum("available_delta"), locked=Sum("locked_delta"))
    )
    return {row["asset"]: (row["available"], row["locked"]) for row in rows}


def account_of(user):
    return Account.objects.filter(user=user).first()
