"""Canceling an order: it ends CANCELED and what it locked is free again."""

import logging

from django.db import transaction

from core.errors import NotFound, ValidationFailed
from core.time import utc_now
from trading import errors
from trading.choices import ACTIVE_STATUSES, OrderStatus
from trading.events import Outbox
from trading.market.symbols import get_spec
from trading.services import execution
from trading.services.ledger import Books, retry_missing_balances

logger = logging.getLogger(__name__)


def cancel_order(user, order_id, *, reason="Canceled by the user.", now=None):
    """Cancel ``user``'s order ``order_id``; another user's id is a 404.

    The order row is locked first, as the matching engine locks it before a
    fill: whichever comes second sees the other's result, so a fill and a cancel
    can never both win.
    """
    now = now or utc_now()
    order = retry_missing_balances(lambda: _cancel(user, order_id, reason, now))
    logger.info("Order %s canceled by user %s", order.pk, user.pk)
    return order


def _cancel(user, order_id, reason, now):
    with transaction.atomic():
        order = execution.lock_orders(order_id, user=user)
        if order is None:
            raise NotFound("No such order.")
        if order.status not in ACTIVE_STATUSES:
            raise ValidationFailed(
                "orderId",
                f"The order is {order.status} and can no longer be canceled.",
                reason=errors.ORDER_NOT_CANCELABLE,
            )
        spec = get_spec(order.symbol)
        books = Books.open(
            now, [user.pk], [spec.base_asset, spec.quote_asset], spec.symbol
        )
        wallet = books.wallet(user.pk)
        outbox = Outbox(user.pk)

        sibling = order._sibling
        if (
            sibling is not None
            and sibling.status in ACTIVE_STATUSES
            and order.locked_amount > 0
        ):
            # The other protective exit still needs the quantity: hand it over.
            sibling.locked_asset = order.locked_asset
            sibling.locked_amount += order.locked_amount
            order.locked_amount = 0
            books.save(sibling)
        execution.finish(wallet, order, OrderStatus.CANCELED, now, outbox, reason)
        if order.executed_qty > 0 and (
            order.stop_loss is not None or order.take_profit is not None
        ):
            # What the entry bought before the cancel gets its protection now.
            execution.place_exits(wallet, order, spec, now, outbox)
        for row in wallet.save():
            outbox.balance(row)
        outbox.note(
            f"Order canceled: {order.side} {order.quantity.normalize()} "
            f"{order.symbol} {order.type}.",
            "info",
        )
        outbox.send_on_commit()
    return order
