"""Market data: tradable symbols with their exchange filters, and stored klines."""

from decimal import Decimal

from django.db import models

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
