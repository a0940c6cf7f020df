"""Market data (symbols, stored klines) and the paper exchange: accounts with
balances and their ledger, orders, fills and positions."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models

from core.ids import uuid7
from trading.amounts import ZERO, AmountField
from trading.choices import (
    ACTIVE_STATUSES,
    EntryKind,
    OrderStatus,
    OrderType,
    PositionStatus,
    Side,
    TimeInForce,
)
from trading.market.candles import e8_to_decimal


class Symbol(models.Model):
    """A spot pair with the filters an order must meet, as Binance's exchange info.

    ``sim_*`` parametrise the simulated market for this symbol: its price at the
    simulation's epoch, typical daily volatility and base volume per minute.
    """

    class Status(models.TextChoices):
        TRADING = "TRADING"
        HALT = "HALT"
        BREAK = "BREAK"

    symbol = models.CharField(max_length=20, unique=True)
    base_asset = models.CharField(max_length=10)
    quote_asset = models.CharField(max_length=10)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.TRADING
    )
    tick_size = models.DecimalField(max_digits=20, decimal_places=8)
    step_size = models.DecimalField(max_digits=20, decimal_places=8)
    min_price = models.DecimalField(max_digits=20, decimal_places=8)
    max_price = models.DecimalField(max_digits=20, decimal_places=8)
    min_qty = models.DecimalField(max_digits=20, decimal_places=8)
    max_qty = models.DecimalField(max_digits=20, decimal_places=8)
    min_notional = models.DecimalField(max_digits=20, decimal_places=8)
    sim_price = models.DecimalField(max_digits=20, decimal_places=8)
    sim_daily_volatility = models.DecimalField(
        max_digits=6, decimal_places=4, default=Decimal("0.0350")
    )
    sim_minute_volume = models.DecimalField(max_digits=20, decimal_places=8)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["symbol"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tick_size__gt=0) & models.Q(step_size__gt=0),
                name="symbol_positive_tick_and_step",
            ),
        ]

    def __str__(self):
        return self.symbol


class Kline(models.Model):
    """A stored candle. Values are integer counts of 1e-8 (exact on any database).

    Binance publishes every price and quantity with at most 8 decimals, so
    ``<field>_e8`` keeps them exactly on SQLite too, whose decimals are floats.
    """

    # TODO: a BigIntegerField of 1e-8 holds at most ~92 billion, too little for
    # the quote volume of a monthly BTCUSDT candle; such rows cannot be imported
    # until quote volumes move to a wider column.

    symbol = models.ForeignKey(Symbol, on_delete=models.CASCADE, related_name="klines")
    interval = models.CharField(max_length=3)
    open_time = models.BigIntegerField(help_text="Epoch milliseconds.")
    close_time = models.BigIntegerField(help_text="Epoch milliseconds.")
    open_e8 = models.BigIntegerField()
    high_e8 = models.BigIntegerField()
    low_e8 = models.BigIntegerField()
    close_e8 = models.BigIntegerField()
    volume_e8 = models.BigIntegerField()
    quote_volume_e8 = models.BigIntegerField()
    trades = models.BigIntegerField()
    taker_base_e8 = models.BigIntegerField()
    taker_quote_e8 = models.BigIntegerField()
    source = models.CharField(max_length=20, help_text="Where the candle came from.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["symbol", "interval", "open_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["symbol", "interval", "open_time"], name="kline_unique_open"
            ),
        ]

    def __str__(self):
        return f"{self.symbol_id} {self.interval} {self.open_time}"

    @property
    def close(self):
        return e8_to_decimal(self.close_e8)


# Paper exchange ------------------------------------------------------------------


class Account(models.Model):
    """A user's paper trading account: one per user, funded when first opened."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paper"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"paper account of {self.user}"


class Balance(models.Model):
    """What an account holds of one asset: free to use, and locked by orders.

    Invariant: ``available`` and ``locked`` equal the sums of the account's ledger
    entries for the asset. Only the services change them, under
    ``select_for_update``, together with the entries.
    """

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="balances"
    )
    asset = models.CharField(max_length=10)
    available = AmountField(default=ZERO)
    locked = AmountField(default=ZERO)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "asset"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "asset"], name="balance_one_per_asset"
            ),
            models.CheckConstraint(
                condition=models.Q(available__gte=0) & models.Q(locked__gte=0),
                name="balance_never_negative",
            ),
        ]

    def __str__(self):
        return f"{self.asset} {self.available} (+{self.locked} locked)"

    @property
    def total(self):
        return self.available + self.locked


def _where_set(field):
    """An index of an order's ``field`` that holds only the orders that set it."""
    return models.Index(
        fields=[field],
        condition=models.Q(**{f"{field}__isnull": False}),
        name=f"order_{field}",
    )


class Order(models.Model):
    # Time-ordered: an order's key lands beside the previous order's in the
    # index (core.ids.uuid7 says why that matters).
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # Indexed by (user, status, created_at) below: a second index of the user
    # alone would cost every order an index write for nothing.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="orders",
        db_index=False,
    )
    symbol = models.CharField(max_length=20)
    side = models.CharField(max_length=4, choices=Side.choices)
    type = models.CharField(max_length=20, choices=OrderType.choices)
    time_in_force = models.CharField(max_length=3, choices=TimeInForce.choices)
    quantity = AmountField()
    price = AmountField(null=True, blank=True, help_text="Limit price.")
    stop_price = AmountField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.NEW
    )
    executed_qty = AmountField(default=ZERO)
    cumulative_quote_qty = AmountField(default=ZERO)
    fee_total = AmountField(default=ZERO)
    locked_asset = models.CharField(max_length=10, blank=True)
    locked_amount = AmountField(
        default=ZERO, help_text="What this order still holds locked."
    )
    # NULL, not "", when absent: the unique constraints must ignore missing keys.
    client_order_id = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True
    )
    idempotency_key = models.CharField(  # noqa: DJ001
        max_length=128, null=True, blank=True
    )
    stop_loss = AmountField(null=True, blank=True)
    take_profit = AmountField(null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exits",
        help_text="The entry order whose protective exit this is.",
        db_index=False,
    )
    oco_with = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The other protective exit: when one triggers, this one ends.",
        db_index=False,
    )
    position = models.ForeignKey(
        "Position",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        db_index=False,
    )
    reason = models.CharField(max_length=200, blank=True)
    triggered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        # Only what needs it is indexed: a MARKET order fills at once, has no
        # exits and no client keys, and writes two index entries, not nine.
        # The matching pass reads resting orders only; the links and the
        # client keys are absent on most orders.
        indexes = [
            models.Index(fields=["user", "status", "created_at"]),
            models.Index(
                fields=["symbol", "side", "price"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="order_resting_by_price",
            ),
            models.Index(
                fields=["symbol", "side", "stop_price"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="order_resting_by_stop",
            ),
            *(_where_set(link) for link in ("parent", "oco_with", "position")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "client_order_id"],
                condition=models.Q(client_order_id__isnull=False),
                name="order_unique_client_id",
            ),
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="order_unique_idem_key",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0)
                & models.Q(executed_qty__gte=0)
                & models.Q(executed_qty__lte=models.F("quantity"))
                & models.Q(locked_amount__gte=0),
                name="order_sane_quantities",
            ),
        ]

    def __str__(self):
        return f"{self.side} {self.quantity} {self.symbol} {self.type} {self.status}"

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES

    @property
    def remaining_qty(self):
        return self.quantity - self.executed_qty

    @property
    def avg_price(self):
        if not self.executed_qty:
            return None
        return self.cumulative_quote_qty / self.executed_qty


class Fill(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fills")
    price = AmountField()
    quantity = AmountField()
    quote_qty = AmountField()
    fee = AmountField()
    fee_asset = models.CharField(max_length=10)
    is_maker = models.BooleanField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self):
        return f"{self.quantity} @ {self.price}"


class LedgerEntry(models.Model):
    """One change of one balance; the balance is the sum of its entries."""

    # Indexed by (account, asset) below.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="entries", db_index=False
    )
    asset = models.CharField(max_length=10)
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    available_delta = AmountField(default=ZERO)
    locked_delta = AmountField(default=ZERO)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    fill = models.ForeignKey(
        Fill, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "ledger entries"
        indexes = [models.Index(fields=["account", "asset"])]

    def __str__(self):
        return f"{self.kind} {self.asset} {self.available_delta}/{self.locked_delta}"


class Position(models.Model):
    """A spot holding of a symbol's base asset bought through the exchange.

    It opens when the holding goes from zero, closes when it returns to zero and
    then stays as history. ``avg_entry_price`` is the quantity-weighted price of
    the buys; ``realized_pnl`` counts what sells made over it, less every fee.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="positions"
    )
    symbol = models.CharField(max_length=20)
    status = models.CharField(
        max_length=6, choices=PositionStatus.choices, default=PositionStatus.OPEN
    )
    quantity = AmountField(default=ZERO)
    avg_entry_price = AmountField(default=ZERO)
    bought_qty = AmountField(default=ZERO)
    sold_qty = AmountField(default=ZERO)
    realized_pnl = AmountField(default=ZERO)
    fees = AmountField(default=ZERO)
    stop_loss_order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    take_profit_order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "symbol"],
                condition=models.Q(status="OPEN"),
                name="position_one_open_per_symbol",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="position_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.symbol} {self.quantity} {self.status}"
