"""Placing an order: check it, lock or spend the funds, fill what the book
allows at once, and leave the rest resting (GTC) or expired (IOC, FOK)."""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q

from core import db
from core.errors import Conflict, ValidationFailed
from core.time import utc_now
from trading import errors
from trading.amounts import ZERO
from trading.choices import (
    PRICED_TYPES,
    STOP_TYPES,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from trading.events import Outbox
from trading.market import get_source
from trading.market.symbols import get_spec
from trading.models import Order
from trading.services import execution, group_commit
from trading.services.filters import filter_errors, refuse, refuse_one
from trading.services.ledger import Books, Overdraft, retry_missing_balances

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OrderRequest:
    symbol: str
    side: str
    type: str
    quantity: Decimal
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: str | None = None
    client_order_id: str | None = None
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None


def place_order(user, request, *, idempotency_key=None, now=None, source=None):
    """Place ``request`` (an :class:`OrderRequest`) for ``user``.

    Answers ``(order, created)``: a request whose ``client_order_id`` or
    ``idempotency_key`` the user already used answers that first order instead,
    with ``created`` False. Refusals are 422s naming the field and the reason.
    """
    spec = get_spec(request.symbol)
    time_in_force = _check_shape(spec, request)
    first = _earlier(user, request, idempotency_key)
    if first is not None:
        return first, False

    source = source or get_source()
    now = now or utc_now()
    book = last = None
    if request.type in (OrderType.MARKET, OrderType.LIMIT):
        book = source.orderbook(spec, limit=_depth(), now=now)
    if request.type != OrderType.LIMIT or request.stop_loss or request.take_profit:
        last = source.price(spec, now=now).price
    _check_against_market(request, last)

    placement = _Placement(
        user.pk, spec, request, time_in_force, idempotency_key, book, now
    )
    try:
        order = group_commit.combiner(spec.symbol, _place_together).run(placement)
    except Overdraft as short:
        raise ValidationFailed(
            "quantity",
            f"Not enough {short.asset}: {short.short.normalize()} more needed.",
            reason=errors.INSUFFICIENT_BALANCE,
        )
    except IntegrityError:
        # The same retry raced us; the unique key lets only one order through.
        first = _earlier(user, request, idempotency_key)
        if first is None:
            raise
        return first, False
    logger.info(
        "Order %s placed: %s %s %s %s -> %s",
        order.pk,
        order.side,
        order.quantity,
        order.symbol,
        order.type,
        order.status,
    )
    return order, True


@dataclass(frozen=True)
class _Placement:
    """What one order needs inside the transaction, worked out before it."""

    user_id: object
    spec: object
    request: OrderRequest
    time_in_force: str
    idempotency_key: str | None
    book: object
    now: object


def _place_together(placements):
    """Place orders of one symbol in one transaction; any refusal rolls back
    them all (see trading.services.group_commit). A first order opens the
    account (which stays open whatever becomes of the order) and its rows in
    transactions of their own."""
    return retry_missing_balances(lambda: _in_one_transaction(placements))


def _in_one_transaction(placements):
    spec = placements[0].spec
    committing = False
    books = None
    try:
        with transaction.atomic():
            books = Books.open(
                placements[0].now,
                [placement.user_id for placement in placements],
                [spec.base_asset, spec.quote_asset],
                spec.symbol,
            )
            orders = []
            for placement in placements:
                books.now = placement.now
                orders.append(_place(books.wallet(placement.user_id), placement))
            committing = True
            books.flush(commit=True)
    except Exception as exc:
        # A failure once the writes and COMMIT are on their way: unless the
        # server refused a statement (which rolls back), it may have committed.
        if committing and not db.refused_by_server(exc):
            raise group_commit.MayHaveCommitted() from exc
        raise
    finally:
        if books is not None:
            books.release()
    return orders


def _depth():
    from django.conf import settings

    return settings.TRADING_BOOK_DEPTH


def _check_shape(spec, request):
    """Refuse what the order type does not allow; answers the time in force."""
    found = []
    if spec.status != "TRADING":
        found.append(("symbol", errors.MARKET_CLOSED, f"{spec.symbol} is not trading."))
    if request.quantity is None or request.quantity <= 0:
        found.append(("quantity", "INVALID", "Must be positive."))
        refuse(found)
    priced = request.type in PRICED_TYPES
    if priced and request.price is None:
        found.append(("price", errors.PRICE_REQUIRED, f"{request.type} needs a price."))
    if not priced and request.price is not None:
        found.append(
            ("price", errors.PRICE_NOT_ALLOWED, "A MARKET order takes no price.")
        )
    if request.type in STOP_TYPES and request.stop_price is None:
        found.append(
            ("stopPrice", errors.STOP_PRICE_REQUIRED, f"{request.type} needs one.")
        )
    if request.type not in STOP_TYPES and request.stop_price is not None:
        found.append(
            (
                "stopPrice",
                errors.STOP_PRICE_NOT_ALLOWED,
                "Only STOP_LOSS_LIMIT and TAKE_PROFIT_LIMIT orders take one.",
            )
        )
    tif = request.time_in_force
    if request.type == OrderType.MARKET:
        if tif == TimeInForce.GTC:
            found.append(
                (
                    "timeInForce",
                    errors.TIME_IN_FORCE_NOT_ALLOWED,
                    "A MARKET order cannot rest: IOC or FOK.",
                )
            )
        tif = tif or TimeInForce.IOC
    else:
        tif = tif or TimeInForce.GTC
    if request.stop_loss is not None or request.take_profit is not None:
        if request.side != Side.BUY or request.type in STOP_TYPES:
            found.append(
                (
                    "stopLoss" if request.stop_loss is not None else "takeProfit",
                    errors.PROTECTION_NOT_ALLOWED,
                    "Protective exits attach to a BUY MARKET or LIMIT entry.",
                )
            )
    if found:
        refuse(found)

    found = filter_errors(spec, request.quantity, request.price if priced else None)
    for field, value in (
        ("stopPrice", request.stop_price),
        ("stopLoss", request.stop_loss),
        ("takeProfit", request.take_profit),
    ):
        if value is not None:
            found += [
                item
                for item in filter_errors(spec, spec.min_qty, value, field_price=field)
                if item[0] == field
            ]
    if found:
        refuse(found)
    return tif


def _check_against_market(request, last):
    """A stop that would trigger at once, or protective exits on the wrong side
    of the entry, are refused rather than placed."""
    if request.type in STOP_TYPES:
        stop = request.stop_price
        loss = request.type == OrderType.STOP_LOSS_LIMIT
        sell = request.side == Side.SELL
        # A SELL stop loss and a BUY take profit wait for the price to fall.
        waits_for_fall = loss == sell
        if (waits_for_fall and stop >= last) or (not waits_for_fall and stop <= last):
            refuse_one(
                "stopPrice",
                errors.WOULD_TRIGGER_IMMEDIATELY,
                f"The price is {last}: this stop would trigger at once.",
            )
    reference = request.price if request.type == OrderType.LIMIT else last
    if request.stop_loss is not None and request.stop_loss >= reference:
        refuse_one(
            "stopLoss",
            errors.INVALID_PROTECTION,
            f"A stop loss must be below the entry price {reference}.",
        )
    if request.take_profit is not None and request.take_profit <= reference:
        refuse_one(
            "takeProfit",
            errors.INVALID_PROTECTION,
            f"A take profit must be above the entry price {reference}.",
        )


def _earlier(user, request, idempotency_key):
    keys = Q()
    if request.client_order_id:
        keys |= Q(client_order_id=request.client_order_id)
    if idempotency_key:
        keys |= Q(idempotency_key=idempotency_key)
    if not keys:
        return None
    first = Order.objects.filter(keys, user=user).first()
    if first is None:
        return None
    same = (
        first.symbol == request.symbol.upper()
        and first.side == request.side
        and first.type == request.type
        and first.quantity == request.quantity
        and first.price == request.price
        and first.stop_price == request.stop_price
    )
    if not same:
        raise Conflict(
            "This clientOrderId or Idempotency-Key was used for another order.",
            code=errors.IDEMPOTENCY_KEY_REUSED,
        )
    return first


def _place(wallet, placement):
    """The order, its fills and exits, computed on the locked ``wallet``; the
    caller flushes the books."""
    spec, request, book, now = (
        placement.spec,
        placement.request,
        placement.book,
        placement.now,
    )
    outbox = Outbox(wallet.user_id)
    order = Order(
        user_id=wallet.user_id,
        symbol=spec.symbol,
        side=request.side,
        type=request.type,
        time_in_force=placement.time_in_force,
        quantity=request.quantity,
        price=request.price,
        stop_price=request.stop_price,
        client_order_id=request.client_order_id or None,
        idempotency_key=placement.idempotency_key or None,
        stop_loss=request.stop_loss,
        take_profit=request.take_profit,
    )
    if order.side == Side.SELL:
        order.position = wallet.position(spec.symbol)
    wallet.books.save(order)

    if order.type == OrderType.MARKET:
        _market(wallet, order, spec, book, now, outbox)
    else:
        execution.lock_for(wallet, order, spec)
        if order.type == OrderType.LIMIT:
            _limit(wallet, order, spec, book, now, outbox)

    if (
        order.status == OrderStatus.FILLED
        or (order.status == OrderStatus.EXPIRED and order.executed_qty > 0)
    ) and (order.stop_loss is not None or order.take_profit is not None):
        execution.place_exits(wallet, order, spec, now, outbox)
    if order.status == OrderStatus.FILLED:
        outbox.note(
            f"Order filled: {order.side} {order.executed_qty.normalize()} "
            f"{order.symbol} at {order.avg_price.quantize(spec.tick_size)}.",
            "success",
        )
    for row in wallet.changed_rows():
        outbox.balance(row)
    outbox.order(order)
    outbox.send_on_commit()
    return order


def _market(wallet, order, spec, book, now, outbox):
    fills = execution.walk(book, order.side, order.quantity)
    available = sum((quantity for _, quantity in fills), ZERO)
    if not fills:
        execution.finish(
            wallet, order, OrderStatus.EXPIRED, now, outbox, reason=errors.NO_LIQUIDITY
        )
        return
    if order.time_in_force == TimeInForce.FOK and available < order.quantity:
        execution.finish(
            wallet,
            order,
            OrderStatus.EXPIRED,
            now,
            outbox,
            reason="The book could not fill the whole quantity (FOK).",
        )
        return
    notional = sum((price * quantity for price, quantity in fills), ZERO)
    if notional < spec.min_notional:
        refuse_one(
            "quantity",
            errors.MIN_NOTIONAL,
            f"The order's value {notional} is below the minimum notional "
            f"{spec.min_notional.normalize()}.",
        )
    for price, quantity in fills:
        execution.apply_fill(wallet, order, spec, price, quantity, False, now, outbox)
    execution.settle_time_in_force(wallet, order, now, outbox)


def _limit(wallet, order, spec, book, now, outbox):
    if execution.is_marketable(book, order.side, order.price):
        fills = execution.walk(book, order.side, order.quantity, order.price)
        available = sum((quantity for _, quantity in fills), ZERO)
        if order.time_in_force == TimeInForce.FOK and available < order.quantity:
            execution.finish(
                wallet,
                order,
                OrderStatus.EXPIRED,
                now,
                outbox,
                reason="The book could not fill the whole quantity (FOK).",
            )
            return
        execution.take(wallet, order, spec, book, now, outbox, limit=order.price)
    if order.status == OrderStatus.FILLED or order.time_in_force != TimeInForce.GTC:
        execution.settle_time_in_force(wallet, order, now, outbox)
