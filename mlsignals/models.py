"""Trained models (their parameters as data), the signals the engine issued, and
the jobs that backtest strategies and retrain models."""

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
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
    promoted_at = models.DateTimeField(
        null=True, help_text="When it went live; never for a rejected candidate."
    )
    comparison = models.JSONField(
        default=dict,
        help_text="Out-of-sample figures of this version and the live one on the "
        "same candles, when a retraining produced it.",
    )
    retrain_job = models.ForeignKey(
        "RetrainJob", null=True, on_delete=models.SET_NULL, related_name="versions"
    )
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


class JobStatus(models.TextChoices):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


FINAL_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED)


class Job(models.Model):
    """What every background job records: its state, attempts and heartbeat.

    A worker claims a job (``RUNNING``, one more attempt, its host and pid) and
    touches ``heartbeat_at`` as it progresses; a job whose heartbeat stopped is
    taken over by a redelivery or marked failed by the sweeper.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(
        max_length=9, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=120, blank=True)
    heartbeat_at = models.DateTimeField(null=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_final(self):
        return self.status in FINAL_STATUSES


class BacktestRun(Job):
    """A backtest a user asked for: its inputs, and its results once run."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="backtests"
    )
    symbol = models.CharField(max_length=20)
    strategy = models.CharField(max_length=30)
    timeframe = models.CharField(max_length=3)
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    initial_capital = models.DecimalField(max_digits=24, decimal_places=8)
    parameters = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    options = models.JSONField(
        default=dict,
        encoder=DjangoJSONEncoder,
        help_text="commission, slippage, positionSize, stopLoss, takeProfit, "
        "allowShort (decimals as strings).",
    )
    results = models.JSONField(null=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]

    def __str__(self):
        return f"backtest {self.strategy} {self.symbol} {self.timeframe} {self.id}"


class RetrainJob(Job):
    """A retraining of all models or of named ones, by an admin or the schedule."""

    class Trigger(models.TextChoices):
        API = "API"
        SCHEDULE = "SCHEDULE"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="retrain_jobs",
    )
    trigger = models.CharField(
        max_length=8, choices=Trigger.choices, default=Trigger.API
    )
    targets = models.JSONField(
        default=list, help_text="Model keys (name:symbol:timeframe) to retrain."
    )
    done = models.PositiveIntegerField(default=0)
    results = models.JSONField(
        default=list, encoder=DjangoJSONEncoder, help_text="One entry per model."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self):
        return f"retrain {self.trigger} {self.id}"
