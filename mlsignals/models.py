"""Trained models (their parameters as data) and the signals the engine issued."""

import uuid

from django.db import models


class SignalModel(models.Model):
    """A trained signal model: what it is, on which data, and how well it did.

    ``params`` holds everything needed to score a feature row (coefficients,
    feature scaling, horizon); ``metrics`` the in-sample and out-of-sample
    figures measured when it was trained. One version per (name, symbol,
    timeframe) is active.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=50)
    kind = models.CharField(max_length=30)
    symbol = models.CharField(max_length=20)
    timeframe = models.CharField(max_length=3)
    version = models.PositiveIntegerField()
    params = models.JSONField()
    metrics = models.JSONField(default=dict)
    train_start = models.DateTimeField()
    train_end = models.DateTimeField()
    candles = models.PositiveIntegerField(help_text="Candles read for training.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["symbol", "timeframe", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "symbol", "timeframe", "version"],
                name="signalmodel_unique_version",
            ),
        ]
        indexes = [models.Index(fields=["symbol", "timeframe", "is_active"])]

    def __str__(self):
        return f"{self.name} {self.symbol} {self.timeframe} v{self.version}"


class Signal(models.Model):
    """A signal as issued for one closed candle, and later how it turned out."""

    class Side(models.TextChoices):
        BUY = "BUY"
        SELL = "SELL"
        HOLD = "HOLD"

    class Outcome(models.TextChoices):
        PENDING = "PENDING"
        RIGHT = "RIGHT"
        WRONG = "WRONG"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    symbol = models.CharField(max_length=20)
    timeframe = models.CharField(max_length=3)
    candle_open = models.DateTimeField(help_text="Open time of the candle used.")
    issued_for = models.DateTimeField(help_text="Close of that candle.")
    signal = models.CharField(max_length=4, choices=Side.choices)
    strength = models.PositiveSmallIntegerField()
    entry = models.DecimalField(max_digits=24, decimal_places=8)
    stop_loss = models.DecimalField(max_digits=24, decimal_places=8, null=True)
    take_profit = models.DecimalField(max_digits=24, decimal_places=8, null=True)
    confidence = models.DecimalField(max_digits=5, decimal_places=4)
    probability_up = models.DecimalField(max_digits=5, decimal_places=4)
    atr = models.DecimalField(max_digits=24, decimal_places=8)
    amd_phase = models.CharField(max_length=12, blank=True)
    indicators = models.JSONField(default=dict)
    model = models.ForeignKey(
        SignalModel, null=True, on_delete=models.SET_NULL, related_name="signals"
    )
    horizon = models.PositiveIntegerField(help_text="Candles until it is judged.")
    evaluate_at = models.DateTimeField(db_index=True)
    outcome = models.CharField(
        max_length=7, choices=Outcome.choices, default=Outcome.PENDING
    )
    exit_price = models.DecimalField(max_digits=24, decimal_places=8, null=True)
    realized_return = models.DecimalField(max_digits=12, decimal_places=8, null=True)
    evaluated_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-candle_open"]
        constraints = [
            models.UniqueConstraint(
                fields=["symbol", "timeframe", "candle_open"],
                name="signal_unique_candle",
            ),
        ]
        indexes = [models.Index(fields=["outcome", "evaluate_at"])]

    def __str__(self):
        return f"{self.symbol} {self.timeframe} {self.signal} @ {self.candle_open}"
