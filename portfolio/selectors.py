"""Reads of the paper exchange's records and of the equity history that the
portfolio needs beyond trading's own selectors. Amounts come back as e8
integers where many rows are read, as Decimals elsewhere."""

from datetime import UTC, datetime
from types import SimpleNamespace

from django.db.models import BigIntegerField, ExpressionWrapper, F, Func, Sum

from portfolio.models import EquityDay, EquitySnapshot
from trading.choices import EntryKind, PositionStatus
from trading.models import Account, Fill, LedgerEntry, Position


def _e8(expression):
    # The columns are integers of 1e-8 already: read them as such, without the
    # per-value Decimal conversion of AmountField.
    return ExpressionWrapper(expression, output_field=BigIntegerField())


class EpochMs(Func):
    """A timestamp column as integer epoch milliseconds, computed by the
    database: reading thousands of rows skips building a datetime for each."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="FLOOR(EXTRACT(EPOCH FROM %(expressions)s) * 1000)::bigint",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Stored as text; %f is "SS.SSS", whose last three digits are the ms.
        # The percent signs are doubled twice: once for this template, once for
        # the backend, which turns %s into its own placeholders.
        return self.as_sql(
            compiler,
            connection,
            template="(CAST(strftime('%%%%s', %(expressions)s) AS INTEGER) * 1000"
            " + CAST(substr(strftime('%%%%f', %(expressions)s), 4) AS INTEGER))",
            **extra,
        )


def moment(ms):
    return datetime.fromtimestamp(ms / 1000, UTC)


def ledger_totals(upto, account_ids=None):
    """``{account_id: {asset: total e8}}``: available plus locked, summed over
    the entries made at or before ``upto``."""
    entries = LedgerEntry.objects.filter(created_at__lte=upto)
    if account_ids is not None:
        entries = entries.filter(account_id__in=account_ids)
    rows = (
        entries.values("account_id", "asset")
        .annotate(total=Sum(_e8(F("available_delta") + F("locked_delta"))))
        .values_list("account_id", "asset", "total")
    )
    totals = {}
    for account_id, asset, total in rows:
        totals.setdefault(account_id, {})[asset] = int(total or 0)
    return totals


def ledger_changes(account):
    """``[(time, asset, kind, change e8)]`` of every entry, oldest first."""
    return list(
        LedgerEntry.objects.filter(account=account)
        .order_by("created_at", "id")
        .values_list(
            "created_at",
            "asset",
            "kind",
            _e8(F("available_delta") + F("locked_delta")),
        )
    )


def deposits(upto, account_ids=None):
    """``{account_id: [(time, asset, amount e8)]}`` of the external flows in."""
    # TODO: trading has no withdrawal entry yet; when it does, its entries are
    # flows out and belong here with a negative amount.
    entries = LedgerEntry.objects.filter(kind=EntryKind.DEPOSIT, created_at__lte=upto)
    if account_ids is not None:
        entries = entries.filter(account_id__in=account_ids)
    flows = {}
    for account_id, time, asset, amount in entries.order_by(
        "created_at", "id"
    ).values_list("account_id", "created_at", "asset", _e8(F("available_delta"))):
        flows.setdefault(account_id, []).append((time, asset, int(amount)))
    return flows


def account_ids():
    return list(Account.objects.order_by("pk").values_list("pk", flat=True))


def snapshot_rows(account, after=None, upto=None, since=None):
    """``[(time, equity e8, net flows e8)]`` oldest first, with times in
    ``(after, upto]`` (or ``[since, upto]``). Times are epoch ms, in and out
    (snapshots sit on a grid of whole seconds)."""
    rows = EquitySnapshot.objects.filter(account=account)
    if after is not None:
        rows = rows.filter(time__gt=moment(after))
    if since is not None:
        rows = rows.filter(time__gte=moment(since))
    if upto is not None:
        rows = rows.filter(time__lte=moment(upto))
    return list(
        rows.order_by("time").values_list(
            EpochMs("time"), _e8(F("equity")), _e8(F("net_flows"))
        )
    )


def snapshot_before(account, ms):
    """The last snapshot at or before ``ms`` as ``(time ms, equity e8, flows
    e8)``, or None."""
    return (
        EquitySnapshot.objects.filter(account=account, time__lte=moment(ms))
        .order_by("-time")
        .values_list(EpochMs("time"), _e8(F("equity")), _e8(F("net_flows")))
        .first()
    )


def last_snapshot(account):
    return EquitySnapshot.objects.filter(account=account).order_by("-time").first()


_DAY_TIMES = (
    "previous_time",
    "first_time",
    "last_time",
    "high_time",
    "low_time",
    "drawdown_peak_time",
    "drawdown_trough_time",
)
_DAY_FIGURES = ("growth", "high", "low", "drawdown_peak", "drawdown_trough")


def equity_days(account, first_day=None, last_day=None):
    """Day summaries oldest first, their times as epoch ms and their amounts
    as e8 integers."""
    days = EquityDay.objects.filter(account=account)
    if first_day is not None:
        days = days.filter(day__gte=first_day)
    if last_day is not None:
        days = days.filter(day__lte=last_day)
    rows = days.order_by("day").values(
        *_DAY_FIGURES,
        **{f"{name}_ms": EpochMs(name) for name in _DAY_TIMES},
        last_equity_e8=_e8(F("last_equity")),
        last_net_flows_e8=_e8(F("last_net_flows")),
    )
    return [SimpleNamespace(**row) for row in rows]


def closed_positions(user, start=None, end=None):
    """``[(symbol, realized pnl, closed at)]`` of the positions closed in
    ``[start, end]``."""
    positions = Position.objects.filter(user=user, status=PositionStatus.CLOSED)
    if start is not None:
        positions = positions.filter(closed_at__gte=start)
    if end is not None:
        positions = positions.filter(closed_at__lte=end)
    return list(
        positions.order_by("closed_at").values_list(
            "symbol", "realized_pnl", "closed_at"
        )
    )


def fills_of(user, upto=None):
    """``[(time, symbol, side, price, quantity, quote qty, fee)]`` of every fill
    of ``user``'s orders, oldest first (Decimals)."""
    fills = Fill.objects.filter(order__user=user)
    if upto is not None:
        fills = fills.filter(created_at__lte=upto)
    return list(
        fills.order_by("created_at", "id").values_list(
            "created_at",
            "order__symbol",
            "order__side",
            "price",
            "quantity",
            "quote_qty",
            "fee",
        )
    )
