"""Equity history of the paper accounts.

Everything here is derived: a snapshot is the account's ledger valued at the
market data's prices at one instant, and a day summary condenses the snapshots of
one UTC day. ``manage.py rebuild_equity`` recomputes both from the ledger and the
klines, so nothing stored can drift from the records for good.
"""

from django.db import models

from trading.amounts import ZERO, AmountField


class EquitySnapshot(models.Model):
    """What an account was worth in the quote asset at ``time``.

    ``net_flows`` is the running total of external flows (deposits, valued when
    they arrived) up to ``time``: what came in from outside, so that returns can
    leave it out.
    """

    account = models.ForeignKey(
        "trading.Account", on_delete=models.CASCADE, related_name="snapshots"
    )
    time = models.DateTimeField()
    equity = AmountField()
    cash = AmountField()
    net_flows = AmountField(default=ZERO)

    class Meta:
        ordering = ["account", "time"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "time"], name="snapshot_one_per_time"
            ),
        ]

    def __str__(self):
        return f"{self.account_id} {self.time:%Y-%m-%d %H:%M} {self.equity}"


class EquityDay(models.Model):
    """The snapshots of one account and UTC day, condensed for long periods.

    Wealth figures are relative to the time-weighted wealth at the snapshot just
    before the day (``previous_time``; None on the account's first day), so they
    chain: the wealth at the day's end is the wealth before it times ``growth``.
    The highest and lowest points and the day's own deepest drawdown (peak, then
    trough) are kept with their times, which is all a drawdown over many days
    needs to come out exactly as over the snapshots themselves.
    """

    account = models.ForeignKey(
        "trading.Account", on_delete=models.CASCADE, related_name="equity_days"
    )
    day = models.DateField()
    previous_time = models.DateTimeField(null=True, blank=True)
    first_time = models.DateTimeField()
    last_time = models.DateTimeField()
    count = models.PositiveIntegerField()
    growth = models.FloatField()
    high = models.FloatField()
    high_time = models.DateTimeField()
    low = models.FloatField()
    low_time = models.DateTimeField()
    drawdown_peak = models.FloatField()
    drawdown_peak_time = models.DateTimeField()
    drawdown_trough = models.FloatField()
    drawdown_trough_time = models.DateTimeField()
    last_equity = AmountField()
    last_net_flows = AmountField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "day"], name="equity_day_one_per_day"
            ),
        ]

    def __str__(self):
        return f"{self.account_id} {self.day} x{self.growth:.6f}"
