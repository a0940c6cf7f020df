"""The matching pass: on every price update, trigger the stop orders the price
has reached and fill the resting limit orders it has crossed (maker fees).

Each order is claimed and filled in its own short transaction, under the same
row lock a cancel takes, so the pass never holds an account for long and a
cancel racing a fill sees either the fill or nothing.
"""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from core.time import utc_now
from trading.choices import ACTIVE_STATUSES, OrderStatus, OrderType, Side
from trading.events import Outbox
from trading.market import get_source
from trading.market.symbols import get_spec
from trading.models import Account, Order
from trading.services import execution
from trading.services.ledger import Wallet

logger = logging.getLogger(__name__)


@dataclass
class PassResult:
    symbols: int = 0
    triggered: list = field(default_factory=list)
    filled: list = field(default_factory=list)

    def as_dict(self):
        return {
            "symbols": self.symbols,
            "triggered": len(self.triggered),
            "filled": len(self.filled),
        }


def _stop_reached(price):
    """Untriggered stops that ``price`` reaches: SELL stop losses and BUY take
    profits when it falls to them, the others when it rises to them."""
    return (
        Q(side=Side.SELL, type=OrderType.STOP_LOSS_LIMIT, stop_price__gte=price)
        | Q(side=Side.BUY, type=OrderType.TAKE_PROFIT_LIMIT, stop_price__gte=price)
        | Q(side=Side.SELL, type=OrderType.TAKE_PROFIT_LIMIT, stop_price__lte=price)
        | Q(side=Side.BUY, type=OrderType.STOP_LOSS_LIMIT, stop_price__lte=price)
    )


def _crossed(price):
    """Resting limits the price has crossed: a BUY at or above it, a SELL at or
    below it."""
    return Q(side=Side.BUY, price__gte=price) | Q(side=Side.SELL, price__lte=price)


def _resting():
    return Q(type=OrderType.LIMIT) | Q(triggered_at__isnull=False)


def match_all(now=None, source=None):
    """One pass over every symbol with active orders."""
    source = source or get_source()
    result = PassResult()
    symbols = (
        Order.objects.filter(status__in=ACTIVE_STATUSES)
        .values_list("symbol", flat=True)
        .distinct()
    )
    for name in sorted(set(symbols)):
        now_here = now or utc_now()
        spec = get_spec(name)
        try:
            price = source.price(spec, now=now_here).price
        except Exception:
            logger.warning("No price for %s; its orders wait", name, exc_info=True)
            continue
        match_symbol(spec, price, now_here, result)
    if result.triggered or result.filled:
        logger.info("Matching pass: %s", result.as_dict())
    return result


def match_symbol(spec, price, now, result=None):
    """Trigger and fill ``spec``'s orders at ``price``."""
    result = result or PassResult()
    result.symbols += 1
    active = Order.objects.filter(symbol=spec.symbol, status__in=ACTIVE_STATUSES)
    stops = active.filter(
        _stop_reached(price),
        type__in=(OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT),
        triggered_at__isnull=True,
    ).order_by("created_at")
    for order_id in stops.values_list("pk", flat=True):
        if _trigger_one(order_id, price, now):
            result.triggered.append(order_id)

    crossed = active.filter(_resting(), _crossed(price)).order_by("created_at")
    for order_id in crossed.values_list("pk", flat=True):
        if _fill_resting(order_id, spec, price, now):
            result.filled.append(order_id)
    return result


def _trigger_one(order_id, price, now):
    with transaction.atomic():
        order = execution.lock_orders(order_id)
        if (
            order is None
            or order.status not in ACTIVE_STATUSES
            or order.triggered_at is not None
            or not Order.objects.filter(_stop_reached(price), pk=order.pk).exists()
        ):
            return False
        outbox = Outbox(order.user_id)
        execution.trigger(order, now, outbox)
        order.save()
        outbox.send_on_commit()
    logger.info("Order %s triggered at %s", order_id, price)
    return True


def _fill_resting(order_id, spec, price, now):
    with transaction.atomic():
        order = execution.lock_orders(order_id)
        # Canceled, filled or moved on since the query: nothing to do.
        if order is None or order.status not in ACTIVE_STATUSES:
            return False
        crossed = (order.side == Side.BUY and order.price >= price) or (
            order.side == Side.SELL and order.price <= price
        )
        if not crossed or (order.type != OrderType.LIMIT and not order.triggered_at):
            return False
        account = Account.objects.get(user_id=order.user_id)
        wallet = Wallet.open(account, [spec.base_asset, spec.quote_asset], now)
        outbox = Outbox(order.user_id)
        execution.apply_fill(
            wallet, order, spec, order.price, order.remaining_qty, True, now, outbox
        )
        execution.finish(wallet, order, OrderStatus.FILLED, now, outbox)
        if order.stop_loss is not None or order.take_profit is not None:
            execution.place_exits(wallet, order, spec, now, outbox)
        outbox.note(
            f"Order filled: {order.side} {order.quantity.normalize()} "
            f"{order.symbol} at {order.price.normalize()}.",
            "success",
        )
        order.save()
        for row in wallet.save():
            outbox.balance(row)
        outbox.send_on_commit()
    logger.info("Order %s filled at %s", order_id, order.price)
    return True
