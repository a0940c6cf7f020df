"""The matching engine's shared steps: walking the book, applying a fill to the
order, the balances and the position, ending an order, and protective exits.

Callers (place_order, match, cancel_order) own the transaction and the locks:
the order rows first (:func:`lock_orders`), then the account's balances
(:class:`~trading.services.ledger.Wallet`), then the position. Fees are charged
in the quote asset, so that holdings stay on the symbol's step and a position
returns exactly to zero when it is sold.
"""

import logging
from decimal import Decimal

from django.conf import settings

from trading.amounts import ZERO, round_down, round_up, to_unit
from trading.choices import (
    ACTIVE_STATUSES,
    STOP_TYPES,
    EntryKind,
    OrderStatus,
    OrderType,
    PositionStatus,
    Side,
    TimeInForce,
)
from trading.models import Fill, Order

logger = logging.getLogger(__name__)


def maker_fee():
    return Decimal(settings.TRADING_MAKER_FEE)


def taker_fee():
    return Decimal(settings.TRADING_TAKER_FEE)


def fee_rate(is_maker):
    return maker_fee() if is_maker else taker_fee()


def buy_lock(quantity, price):
    """What a BUY at ``price`` locks: the notional and the highest fee, rounded
    up, so that every fill (fees rounded down) is covered."""
    notional = round_up(quantity * price)
    return notional + round_up(notional * max(maker_fee(), taker_fee()))


def walk(book, side, quantity, limit=None):
    """Fills ``[(price, quantity)]`` of a taker ``side`` order for ``quantity``
    against ``book``, best level first, not past ``limit``."""
    levels = book.asks if side == Side.BUY else book.bids
    fills = []
    remaining = quantity
    for price, available in levels:
        if remaining <= 0:
            break
        if limit is not None and (
            (side == Side.BUY and price > limit)
            or (side == Side.SELL and price < limit)
        ):
            break
        taken = min(available, remaining)
        fills.append((price, taken))
        remaining -= taken
    return fills


def is_marketable(book, side, limit):
    levels = book.asks if side == Side.BUY else book.bids
    if not levels:
        return False
    best = levels[0][0]
    return best <= limit if side == Side.BUY else best >= limit


def lock_orders(order_id, user=None):
    """Lock an order and its protective sibling, in id order; answers the order
    (None if it does not exist, or is not ``user``'s), with ``_sibling`` set."""
    queryset = Order.objects.all() if user is None else Order.objects.filter(user=user)
    sibling = queryset.filter(pk=order_id).values_list("oco_with_id", flat=True).first()
    ids = [order_id, sibling] if sibling else [order_id]
    rows = {
        str(row.pk): row
        for row in Order.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    order = rows.get(str(order_id))
    if order is None or (user is not None and order.user_id != user.pk):
        return None
    order._sibling = rows.get(str(order.oco_with_id)) if order.oco_with_id else None
    return order


def apply_fill(wallet, order, spec, price, quantity, is_maker, now, outbox):
    """One execution of ``order``: the fill, the ledger, the order's figures and
    the position, all written when the wallet's books are flushed."""
    notional = to_unit(price * quantity)
    fee = round_down(notional * fee_rate(is_maker))
    base, quote = spec.base_asset, spec.quote_asset
    # By key, not by instance: the order keeps its fills (recorded_fills), and
    # a fill that kept its order would make a cycle that only the garbage
    # collector's pauses free.
    fill = Fill(
        order_id=order.pk,
        price=price,
        quantity=quantity,
        quote_qty=notional,
        fee=fee,
        fee_asset=quote,
        is_maker=is_maker,
        created_at=now,
    )
    wallet.books.add_fill(fill)
    from_lock = bool(order.locked_asset)
    part = "locked" if from_lock else "available"
    if order.side == Side.BUY:
        wallet.change(
            quote, EntryKind.TRADE, **{part: -notional}, order=order, fill=fill
        )
        wallet.change(quote, EntryKind.FEE, **{part: -fee}, order=order, fill=fill)
        wallet.change(base, EntryKind.TRADE, available=quantity, order=order, fill=fill)
        if from_lock:
            order.locked_amount -= notional + fee
    else:
        wallet.change(
            base, EntryKind.TRADE, **{part: -quantity}, order=order, fill=fill
        )
        wallet.change(
            quote, EntryKind.TRADE, available=notional, order=order, fill=fill
        )
        wallet.change(quote, EntryKind.FEE, available=-fee, order=order, fill=fill)
        if from_lock:
            order.locked_amount -= quantity
    if order.locked_amount < 0:
        raise RuntimeError(f"order {order.pk} spent more than it locked")

    order.executed_qty += quantity
    order.cumulative_quote_qty += notional
    order.fee_total += fee
    order.status = (
        OrderStatus.FILLED
        if order.executed_qty == order.quantity
        else OrderStatus.PARTIALLY_FILLED
    )
    recorded_fills(order).append(fill)
    _update_position(wallet, order, fill, now)
    wallet.books.save(order)
    outbox.order(order)
    return fill


def recorded_fills(order):
    """The fills made on ``order`` by this transaction, oldest first (answered
    to the caller without reading them back)."""
    made = order.__dict__.get("recorded_fills")
    if made is None:
        made = order.__dict__["recorded_fills"] = []
    return made


def _update_position(wallet, order, fill, now):
    """The user's open position in the symbol, moved by one fill.

    The wallet holds the account's base asset balance locked, which serialises
    every fill of this user in this symbol: no two open positions can be made.
    """
    position = wallet.position(order.symbol)
    if order.side == Side.BUY:
        if position is None:
            position = wallet.open_position(order.symbol)
        held = position.quantity + fill.quantity
        position.avg_entry_price = to_unit(
            (position.avg_entry_price * position.quantity + fill.price * fill.quantity)
            / held
        )
        position.quantity = held
        position.bought_qty += fill.quantity
    else:
        if position is None:
            # Sold from a holding not bought here (a deposit): no position moves.
            return
        closing = min(fill.quantity, position.quantity)
        position.realized_pnl += to_unit(
            (fill.price - position.avg_entry_price) * closing
        )
        position.quantity -= closing
        position.sold_qty += closing
        if position.quantity == 0:
            position.status = PositionStatus.CLOSED
            position.closed_at = now
            # A later buy in the same transaction opens a new one.
            wallet.positions[order.symbol] = None
    position.fees += fill.fee
    position.realized_pnl -= fill.fee
    wallet.books.save(position)
    order.position = position


def finish(wallet, order, status, now, outbox, reason=""):
    """End ``order`` with a final ``status`` and release what it still locks."""
    if order.locked_amount > 0:
        amount = order.locked_amount
        wallet.change(
            order.locked_asset,
            EntryKind.RELEASE,
            available=amount,
            locked=-amount,
            order=order,
        )
        order.locked_amount = ZERO
    order.status = status
    if reason:
        order.reason = reason[:200]
    wallet.books.save(order)
    outbox.order(order)


def lock_for(wallet, order, spec):
    """Lock what a resting order may spend: quote for a BUY, base for a SELL."""
    if order.side == Side.BUY:
        asset, amount = spec.quote_asset, buy_lock(order.quantity, order.price)
    else:
        asset, amount = spec.base_asset, order.quantity
    wallet.change(asset, EntryKind.LOCK, available=-amount, locked=amount, order=order)
    order.locked_asset = asset
    order.locked_amount = amount
    wallet.books.save(order)


def take(wallet, order, spec, book, now, outbox, limit=None):
    """Fill ``order`` as a taker against ``book`` (up to ``limit``); answers the
    quantity filled."""
    filled = ZERO
    for price, quantity in walk(book, order.side, order.remaining_qty, limit):
        apply_fill(wallet, order, spec, price, quantity, False, now, outbox)
        filled += quantity
    return filled


def settle_time_in_force(wallet, order, now, outbox):
    """After the taker part: IOC and FOK remainders expire; GTC rests."""
    if order.status == OrderStatus.FILLED:
        finish(wallet, order, OrderStatus.FILLED, now, outbox)
    elif order.time_in_force in (TimeInForce.IOC, TimeInForce.FOK):
        finish(
            wallet,
            order,
            OrderStatus.EXPIRED,
            now,
            outbox,
            reason=f"Unfilled remainder expired ({order.time_in_force}).",
        )


def trigger(books, order, now, outbox):
    """Turn a stop order into an active limit order; its sibling exit ends and
    hands over the lock it held."""
    order.triggered_at = now
    books.save(order)
    outbox.order(order)
    sibling = getattr(order, "_sibling", None)
    if sibling is not None and sibling.status in ACTIVE_STATUSES:
        if sibling.locked_amount > 0:
            order.locked_asset = sibling.locked_asset
            order.locked_amount += sibling.locked_amount
            sibling.locked_amount = ZERO
        sibling.status = OrderStatus.CANCELED
        sibling.reason = "The other protective exit triggered."
        books.save(sibling)
        outbox.order(sibling)
    kind = "Stop loss" if order.type == OrderType.STOP_LOSS_LIMIT else "Take profit"
    outbox.note(
        f"{kind} triggered: {order.side} {order.quantity} {order.symbol} at "
        f"{order.stop_price}.",
        "warning" if order.type == OrderType.STOP_LOSS_LIMIT else "success",
    )


# TODO: exits are placed once the entry ends (filled, expired, or canceled after
# a partial fill), not per partial fill, so a resting entry that fills in parts
# leaves what it bought unprotected until it ends; growing both exits and their
# shared lock on every fill needs exits whose quantity can change, which the
# one-cancels-the-other hand-over of the lock does not handle yet.
def place_exits(wallet, entry, spec, now, outbox):
    """The protective exits of a filled BUY entry: a stop loss and/or a take
    profit SELL for the quantity bought, sharing one lock (one cancels the other).
    An exit the symbol's filters refuse is stored REJECTED with the reason."""
    from trading.services.filters import filter_errors

    quantity = entry.executed_qty
    exits = []
    for kind, level in (
        (OrderType.STOP_LOSS_LIMIT, entry.stop_loss),
        (OrderType.TAKE_PROFIT_LIMIT, entry.take_profit),
    ):
        if level is None:
            continue
        exit_order = Order(
            user_id=entry.user_id,
            symbol=entry.symbol,
            side=Side.SELL,
            type=kind,
            time_in_force=TimeInForce.GTC,
            quantity=quantity,
            price=level,
            stop_price=level,
            parent=entry,
            position=entry.position,
        )
        errors = filter_errors(spec, quantity, level)
        if errors:
            exit_order.status = OrderStatus.REJECTED
            exit_order.reason = "; ".join(message for _, _, message in errors)[:200]
        wallet.books.save(exit_order)
        outbox.order(exit_order)
        if exit_order.status == OrderStatus.NEW:
            exits.append(exit_order)
    if not exits:
        return []
    holder = exits[0]
    lock_for(wallet, holder, spec)
    if len(exits) == 2:
        exits[0].oco_with, exits[1].oco_with = exits[1], exits[0]
    position = entry.position
    if position is not None:
        for exit_order in exits:
            if exit_order.type == OrderType.STOP_LOSS_LIMIT:
                position.stop_loss_order = exit_order
            else:
                position.take_profit_order = exit_order
        wallet.books.save(position)
    logger.info("Placed %d protective exits for order %s", len(exits), entry.pk)
    return exits


def is_stop(order):
    return order.type in STOP_TYPES
