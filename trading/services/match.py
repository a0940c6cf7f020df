"""The matching pass: on every price update, trigger the stop orders the market
has reached and fill the resting limit orders it has crossed (maker fees).

What the market did since the previous pass counts, not only where it is now: a
pass reads the one-minute candles since then, and an order is crossed when the
current price or the low (high) of a candle that opened after the order was
placed (or triggered) reaches its price. A price that moved through an order and
back between two passes still fills it, at its limit price; a move that happened
before the order existed never does.

Each pass claims the crossed orders in bulk (``select_for_update(skip_locked)``:
an order a cancel is holding waits for the next pass), locks the balance rows of
their accounts in one statement, applies every fill in memory and writes them
in a few statements. Accounts are taken in chunks, one transaction each, so that
a pass never holds many accounts for long and one account that fails (logged)
does not hold back the others.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from core.time import to_epoch_ms, utc_now
from trading.choices import ACTIVE_STATUSES, STOP_TYPES, OrderStatus, OrderType, Side
from trading.events import Outbox
from trading.market import get_source
from trading.market.base import OrderBook, moment
from trading.market.candles import e8_to_decimal
from trading.market.intervals import MINUTE_MS
from trading.market.symbols import get_spec
from trading.models import Order
from trading.services import execution
from trading.services.ledger import Books, retry_missing_balances

logger = logging.getLogger(__name__)

# Accounts whose fills share one transaction.
ACCOUNTS_PER_TRANSACTION = 200


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


# TODO: a move inside the minute an order was placed (or triggered) counts only
# through the prices the passes saw, because a 1m candle cannot tell what came
# before the order; and a stop triggered by a past candle takes the book of the
# pass, not the one of that moment. Both need sub-minute prices from the source.
@dataclass(frozen=True)
class Span:
    """What the market did since the previous pass: the current ``price`` and,
    for each candle that matters, ``(opened_at, low, high)`` where low and high
    are the extremes from that candle to now. Only the steps where an extreme
    changes are kept (a later candle with the same extreme reaches more orders).
    """

    price: object
    steps: tuple = ()

    @classmethod
    def of_candles(cls, price, candles):
        opens = [int(value) for value in candles.open_time]
        lows = [int(value) for value in candles.low]
        highs = [int(value) for value in candles.high]
        steps = []
        low = high = None
        for index in range(len(opens) - 1, -1, -1):
            new_low = lows[index] if low is None else min(low, lows[index])
            new_high = highs[index] if high is None else max(high, highs[index])
            if new_low != low or new_high != high:
                steps.append(
                    (
                        moment(opens[index]),
                        e8_to_decimal(new_low),
                        e8_to_decimal(new_high),
                    )
                )
            low, high = new_low, new_high
        return cls(price, tuple(reversed(steps)))

    def reached(self, column, falls, since):
        """Orders whose ``column`` the market reached: at or above a low when it
        ``falls`` to them, else at or below a high; ``since`` names what the
        order must have existed by (``created`` or ``triggered``)."""
        compare = "gte" if falls else "lte"
        levels = [
            (opened_at, low if falls else high) for opened_at, low, high in self.steps
        ]
        # A step whose level the next step repeats adds nothing: an order that
        # existed by the earlier step existed by the later one too.
        kept = [
            step
            for index, step in enumerate(levels)
            if index + 1 == len(levels) or levels[index + 1][1] != step[1]
        ]
        found = Q(**{f"{column}__{compare}": self.price})
        for opened_at, level in kept:
            existed = (
                Q(created_at__lte=opened_at, triggered_at__isnull=True)
                if since == "created"
                else Q(triggered_at__lte=opened_at)
                | Q(created_at__lte=opened_at, triggered_at__isnull=True)
            )
            found |= existed & Q(**{f"{column}__{compare}": level})
        if not kept:
            return found
        # The farthest level bounds every branch: a plain comparison that
        # discards most orders before the branches are weighed.
        levels = [level for _, level in kept] + [self.price]
        bound = min(levels) if falls else max(levels)
        return Q(**{f"{column}__{compare}": bound}) & found


def _stops_reached(span):
    """Untriggered stops the market reached: SELL stop losses and BUY take
    profits when it falls to them, the others when it rises to them."""
    falls = span.reached("stop_price", True, "created")
    rises = span.reached("stop_price", False, "created")
    return Q(triggered_at__isnull=True) & (
        (Q(side=Side.SELL, type=OrderType.STOP_LOSS_LIMIT) & falls)
        | (Q(side=Side.BUY, type=OrderType.TAKE_PROFIT_LIMIT) & falls)
        | (Q(side=Side.SELL, type=OrderType.TAKE_PROFIT_LIMIT) & rises)
        | (Q(side=Side.BUY, type=OrderType.STOP_LOSS_LIMIT) & rises)
    )


def _resting_crossed(span):
    """Resting limits (and triggered stops) the market crossed: a BUY when it
    fell to its price, a SELL when it rose to it."""
    resting = Q(type=OrderType.LIMIT) | Q(triggered_at__isnull=False)
    return resting & (
        (Q(side=Side.BUY) & span.reached("price", True, "placed"))
        | (Q(side=Side.SELL) & span.reached("price", False, "placed"))
    )


def match_all(now=None, source=None):
    """One pass over every symbol with active orders."""
    source = source or get_source()
    now = now or utc_now()
    result = PassResult()
    symbols = (
        Order.objects.filter(status__in=ACTIVE_STATUSES)
        .values_list("symbol", flat=True)
        .distinct()
    )
    for name in sorted(set(symbols)):
        spec = get_spec(name)
        try:
            price = source.price(spec, now=now).price
        except Exception:
            logger.warning("No price for %s; its orders wait", name, exc_info=True)
            continue
        span = market_span(source, spec, price, now)
        match_symbol(
            spec, price, now, result, span=span, book=_BookOnce(source, spec, now)
        )
        cache.set(_last_pass_key(spec), to_epoch_ms(now), None)
    if result.triggered or result.filled:
        logger.info("Matching pass: %s", result.as_dict())
    return result


def _last_pass_key(spec):
    return f"trading:match:last-pass:{spec.symbol}"


def market_span(source, spec, price, now):
    """The :class:`Span` since the previous pass over ``spec`` (at most
    TRADING_MATCH_LOOKBACK_MINUTES back)."""
    now_ms = to_epoch_ms(now)
    lookback = settings.TRADING_MATCH_LOOKBACK_MINUTES
    start_ms = now_ms - lookback * MINUTE_MS
    last = cache.get(_last_pass_key(spec))
    if last is not None and start_ms < last <= now_ms:
        start_ms = last
    start_ms = start_ms // MINUTE_MS * MINUTE_MS
    try:
        candles = source.klines(
            spec, "1m", start=start_ms, end=now_ms, limit=lookback + 1, now=now
        )
    except Exception:
        # The orders still meet the current price; only the path is missing.
        logger.warning("No candles for %s; matching on its price", spec.symbol)
        return Span(price)
    return Span.of_candles(price, candles)


class _BookOnce:
    """The symbol's order book, read at most once per pass, and only if a
    triggered order needs it; fills taken from it are removed for the pass."""

    def __init__(self, source, spec, now):
        self.source, self.spec, self.now = source, spec, now
        self.book = None

    def get(self):
        if self.book is None:
            read = self.source.orderbook(
                self.spec, limit=settings.TRADING_BOOK_DEPTH, now=self.now
            )
            self.book = OrderBook(
                read.symbol, read.last_update_id, list(read.bids), list(read.asks)
            )
        return self.book


def match_symbol(spec, price, now, result=None, *, span=None, book=None):
    """Trigger and fill ``spec``'s orders at ``price`` (and over ``span``, the
    market since the previous pass, when given).

    ``book`` (an OrderBook, or what :func:`match_all` passes) lets a triggered
    stop whose limit crosses it take that liquidity as a taker; without it a
    triggered stop rests, as a maker, until the price crosses its limit.
    """
    result = result or PassResult()
    result.symbols += 1
    span = Span(price, span.steps if span is not None else ())
    if isinstance(book, OrderBook):
        book = _Given(book)
    active = Order.objects.filter(symbol=spec.symbol, status__in=ACTIVE_STATUSES)

    reached = _stops_reached(span)
    stops = active.filter(reached, type__in=STOP_TYPES)
    # What the market reached depends on fields an order never changes, but for
    # when a stop triggered, which happens once: under the lock, an untriggered
    # stop or any active order still qualifies.
    untriggered = Q(triggered_at__isnull=True)
    for done in _claim_in_chunks(stops, untriggered, spec, now, _Trigger(book)):
        result.triggered.extend(done)

    crossed = active.filter(_resting_crossed(span))
    for done in _claim_in_chunks(crossed, Q(), spec, now, _fill):
        result.filled.extend(done)
    return result


class _Given:
    def __init__(self, book):
        self.book = OrderBook(
            book.symbol, book.last_update_id, list(book.bids), list(book.asks)
        )

    def get(self):
        return self.book


def _claim_in_chunks(candidates, condition, spec, now, handler):
    """Run ``handler`` on the ``candidates`` (a queryset) that still meet
    ``condition`` once locked, claimed a chunk of accounts at a time; yields the
    ids each chunk acted on."""
    by_user = {}
    rows = candidates.order_by("created_at", "pk").values_list("pk", "user_id")
    for order_id, user_id in rows:
        by_user.setdefault(user_id, []).append(order_id)
    users = list(by_user)
    for start in range(0, len(users), ACCOUNTS_PER_TRANSACTION):
        chunk = users[start : start + ACCOUNTS_PER_TRANSACTION]
        ids = [order_id for user in chunk for order_id in by_user[user]]
        try:
            yield _claim_retrying(ids, condition, spec, now, handler)
        except Exception:
            logger.exception(
                "Matching %s failed for %d accounts; retrying one by one",
                spec.symbol,
                len(chunk),
            )
            for user in chunk:
                try:
                    yield _claim_retrying(by_user[user], condition, spec, now, handler)
                except Exception:
                    logger.exception(
                        "Matching %s failed for user %s (orders %s)",
                        spec.symbol,
                        user,
                        by_user[user],
                    )


def _claim_retrying(ids, condition, spec, now, handler):
    return retry_missing_balances(lambda: _claim(ids, condition, spec, now, handler))


def _claim(ids, condition, spec, now, handler):
    """In one transaction: lock the orders ``ids`` that still meet
    ``condition`` (skipping any another transaction holds), lock their
    accounts' balances, act on them, write everything."""
    done = []
    with transaction.atomic():
        orders = list(
            Order.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(condition, pk__in=ids, status__in=ACTIVE_STATUSES)
            .order_by("pk")
        )
        if not orders:
            return done
        if handler is not _fill:
            orders = _with_siblings(orders)
        books = Books.open(
            now,
            [order.user_id for order in orders],
            [spec.base_asset, spec.quote_asset],
            spec.symbol,
        )
        outboxes = {}
        # Time priority: the oldest order first.
        for order in sorted(orders, key=lambda o: (o.created_at, str(o.pk))):
            outbox = outboxes.get(order.user_id)
            if outbox is None:
                outbox = outboxes[order.user_id] = Outbox(order.user_id)
            wallet = books.wallet(order.user_id)
            if handler(wallet, order, spec, now, outbox):
                done.append(order.pk)
        changed = {}
        for user_id in outboxes:
            changed[user_id] = books.wallet(user_id).changed_rows()
        books.flush()
        for user_id, outbox in outboxes.items():
            for row in changed[user_id]:
                outbox.balance(row)
            outbox.send_on_commit()
    for order_id in done:
        logger.info("Order %s %s at %s", order_id, handler.verb, spec.symbol)
    return done


def _with_siblings(orders):
    """Attach each order's protective sibling, locked too; an order whose
    sibling another transaction holds (a cancel) waits for the next pass."""
    wanted = {order.oco_with_id for order in orders if order.oco_with_id}
    siblings = {}
    if wanted:
        siblings = {
            row.pk: row
            for row in Order.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=wanted)
            .order_by("pk")
        }
    kept = []
    for order in orders:
        order._sibling = None
        if order.oco_with_id:
            order._sibling = siblings.get(order.oco_with_id)
            if order._sibling is None:
                continue
        kept.append(order)
    return kept


class _Trigger:
    """Triggers a stop: it becomes a limit order, which takes what the book
    offers up to its limit (taker fee) and rests for the remainder."""

    verb = "triggered"

    def __init__(self, book):
        self.book = book

    def __call__(self, wallet, order, spec, now, outbox):
        execution.trigger(wallet.books, order, now, outbox)
        if self.book is None:
            return True
        book = self.book.get()
        if execution.is_marketable(book, order.side, order.price):
            taken = execution.walk(book, order.side, order.remaining_qty, order.price)
            execution.take(wallet, order, spec, book, now, outbox, limit=order.price)
            _consume(book, order.side, taken)
            if order.status == OrderStatus.FILLED:
                execution.finish(wallet, order, OrderStatus.FILLED, now, outbox)
                outbox.note(
                    f"Order filled: {order.side} {order.quantity.normalize()} "
                    f"{order.symbol} at {order.avg_price.quantize(spec.tick_size)}.",
                    "success",
                )
        return True


def _consume(book, side, taken):
    """Remove what a taker took from the pass's copy of the book, so that the
    next order of the pass does not take the same liquidity again."""
    levels = book.asks if side == Side.BUY else book.bids
    for price, quantity in taken:
        for index, (level_price, size) in enumerate(levels):
            if level_price == price:
                if size > quantity:
                    levels[index] = (level_price, size - quantity)
                else:
                    del levels[index]
                break


def _fill(wallet, order, spec, now, outbox):
    """Fill a crossed resting order whole at its limit price, as a maker."""
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
    return True


_fill.verb = "filled"
