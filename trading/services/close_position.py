"""Closing a position: a market sell of what it holds, after its protective
exits and other sells have let go of the quantity they lock."""

import logging

from core.errors import NotFound, ValidationFailed
from trading import errors
from trading.choices import ACTIVE_STATUSES, OrderType, PositionStatus, Side
from trading.models import Order, Position
from trading.services.cancel_order import cancel_order
from trading.services.place_order import OrderRequest, place_order

logger = logging.getLogger(__name__)


def close_position(user, position_id, *, now=None, source=None):
    """Answers ``(order, position)``; another user's position is a 404."""
    position = Position.objects.filter(user=user, pk=position_id).first()
    if position is None:
        raise NotFound("No such position.")
    if position.status != PositionStatus.OPEN:
        raise ValidationFailed(
            "positionId",
            "The position is already closed.",
            reason=errors.POSITION_CLOSED,
        )

    sells = Order.objects.filter(
        user=user, symbol=position.symbol, side=Side.SELL, status__in=ACTIVE_STATUSES
    ).values_list("pk", flat=True)
    for order_id in list(sells):
        try:
            cancel_order(user, order_id, reason="Canceled to close the position.")
        except ValidationFailed:
            # Filled or ended meanwhile: nothing left to free.
            pass

    position.refresh_from_db()
    if position.status != PositionStatus.OPEN:
        raise ValidationFailed(
            "positionId",
            "The position is already closed.",
            reason=errors.POSITION_CLOSED,
        )
    order, _ = place_order(
        user,
        OrderRequest(
            symbol=position.symbol,
            side=Side.SELL,
            type=OrderType.MARKET,
            quantity=position.quantity,
        ),
        now=now,
        source=source,
    )
    position.refresh_from_db()
    logger.info("Position %s closed by order %s", position.pk, order.pk)
    return order, position
