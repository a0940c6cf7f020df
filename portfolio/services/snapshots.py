"""Equity snapshots: taken by the periodic job, rebuilt from the ledger, and
condensed per day.

A snapshot at grid instant ``T`` (a multiple of PORTFOLIO_SNAPSHOT_INTERVAL_S)
values the ledger entries made at or before ``T`` at the prices of
:func:`portfolio.valuation.price_e8_at`; its running flows value each deposit at
its own instant. The job and the rebuild follow that one rule, so a rebuild
answers the rows the job stored.
"""

import logging
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import transaction

from core.time import to_epoch_ms, utc_now
from portfolio import metrics, selectors, valuation
from portfolio.models import EquityDay, EquitySnapshot
from trading.choices import EntryKind
from trading.market import get_source
from trading.market.intervals import DAY_MS

logger = logging.getLogger(__name__)


def interval_seconds():
    every = int(settings.PORTFOLIO_SNAPSHOT_INTERVAL_S)
    if every < 60 or every % 60:
        raise ValueError("PORTFOLIO_SNAPSHOT_INTERVAL_S must be a multiple of 60")
    return every


def grid_floor(moment, every=None):
    """The grid instant at or before ``moment``."""
    step = (every or interval_seconds()) * 1000
    return _moment(to_epoch_ms(moment) // step * step)


def _moment(ms):
    return datetime.fromtimestamp(ms / 1000, UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _us(moment):
    """Exact epoch microseconds: a ledger entry half a millisecond after a grid
    instant is after it, for the rebuild as for the job's query."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def equity_e8(totals, prices):
    """``(equity, cash)`` in e8 of ``{asset: total e8}`` at ``{asset: price}``."""
    quote = valuation.quote_asset()
    cash = totals.get(quote, 0)
    equity = cash
    for asset, total in totals.items():
        if asset == quote or not total:
            continue
        price = prices.get(asset)
        if price is None or price < 0:
            continue
        equity += valuation.value_e8(total, price)
    return equity, cash


# The job ----------------------------------------------------------------------


def take_snapshots(now=None, source=None):
    """Snapshot every account at the grid instant at or before ``now``;
    answers how many were stored (a rerun for the same instant stores none)."""
    at = grid_floor(now or utc_now())
    at_ms = to_epoch_ms(at)
    source = source or get_source()
    ids = selectors.account_ids()
    # TODO: this sums the whole ledger of every account each run; with millions
    # of entries it should start from the previous snapshot's holdings instead.
    totals = selectors.ledger_totals(at)
    flows = selectors.deposits(at)

    assets = {
        asset
        for holdings in totals.values()
        for asset, total in holdings.items()
        if total
    }
    prices = {asset: valuation.price_e8_at(asset, at_ms, source) for asset in assets}
    done = set(
        EquitySnapshot.objects.filter(time=at).values_list("account_id", flat=True)
    )
    rows = []
    for account_id in ids:
        if account_id in done:
            continue
        equity, cash = equity_e8(totals.get(account_id, {}), prices)
        running = valuation.flows_e8(flows.get(account_id, []), source)
        rows.append(
            EquitySnapshot(
                account_id=account_id,
                time=at,
                equity=valuation.to_decimal(equity),
                cash=valuation.to_decimal(cash),
                net_flows=valuation.to_decimal(running[-1] if running else 0),
            )
        )
    # A concurrent run for the same instant: the unique constraint keeps one.
    EquitySnapshot.objects.bulk_create(rows, ignore_conflicts=True)
    logger.info("Equity snapshots at %s: %d accounts", at.isoformat(), len(rows))
    _summarize_finished_days(at)
    return len(rows)


_summarized = {"through": None}
_summarized_lock = threading.Lock()


def _summarize_finished_days(at):
    """Once per day and process: condense the days before ``at``'s day."""
    today = at.date()
    with _summarized_lock:
        if _summarized["through"] == today:
            return
    for account_id in selectors.account_ids():
        summarize_days(account_id, before=today)
    with _summarized_lock:
        _summarized["through"] = today


# Day summaries ------------------------------------------------------------------


def summarize_days(account_id, before):
    """Condense every day before ``before`` (a date) that has snapshots and no
    summary yet, after the account's last summarized day; answers how many."""
    last = (
        EquityDay.objects.filter(account_id=account_id, day__lt=before)
        .order_by("-day")
        .first()
    )
    start = (
        datetime.combine(last.day + timedelta(days=1), datetime.min.time(), UTC)
        if last
        else None
    )
    end = datetime.combine(before, datetime.min.time(), UTC)
    end_ms = to_epoch_ms(end)
    rows = selectors.snapshot_rows(
        account_id, since=None if start is None else to_epoch_ms(start), upto=end_ms
    )
    rows = [row for row in rows if row[0] < end_ms]
    if not rows:
        return 0
    previous = selectors.snapshot_before(account_id, rows[0][0] - 1)
    times = np.array([row[0] for row in rows], dtype=np.int64)
    equity = np.array([row[1] for row in rows], dtype=np.int64)
    flows = np.array([row[2] for row in rows], dtype=np.int64)
    days = times // DAY_MS
    starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
    ends = np.r_[starts[1:], len(times)]
    made = []
    for first, stop in zip(starts, ends, strict=True):
        before_row = previous if first == 0 else rows[first - 1]
        made.append(
            _day(account_id, rows, times, equity, flows, first, stop, before_row)
        )
    EquityDay.objects.bulk_create(made, ignore_conflicts=True)
    logger.info("Summarized %d days of account %s", len(made), account_id)
    return len(made)


def _day(account_id, rows, times, equity, flows, first, stop, before_row):
    part = slice(first, stop)
    summary = metrics.day_summary(
        times[part],
        equity[part],
        flows[part],
        None if before_row is None else (before_row[1], before_row[2]),
    )
    return EquityDay(
        account_id=account_id,
        day=_moment(rows[first][0]).date(),
        previous_time=None if before_row is None else _moment(before_row[0]),
        first_time=_moment(rows[first][0]),
        last_time=_moment(rows[stop - 1][0]),
        count=stop - first,
        growth=summary["growth"],
        high=summary["high"],
        high_time=_moment(summary["high_ms"]),
        low=summary["low"],
        low_time=_moment(summary["low_ms"]),
        drawdown_peak=summary["drawdown_peak"],
        drawdown_peak_time=_moment(summary["drawdown_peak_ms"]),
        drawdown_trough=summary["drawdown_trough"],
        drawdown_trough_time=_moment(summary["drawdown_trough_ms"]),
        last_equity=valuation.to_decimal(equity[stop - 1]),
        last_net_flows=valuation.to_decimal(flows[stop - 1]),
    )


# Rebuild ----------------------------------------------------------------------


def rebuild(account, start=None, end=None, source=None):
    """Recompute the snapshots of ``account`` on the grid in ``[start, end]``
    (default: from the account's opening until now) from its ledger and the
    market data, replace the stored ones there and re-condense the days from
    ``start`` on. Answers how many snapshots were written."""
    every = interval_seconds()
    step = every * 1000
    source = source or get_source()
    start = start or account.created_at
    end = end or utc_now()
    first_ms = -(-to_epoch_ms(start) // step) * step
    last_ms = to_epoch_ms(end) // step * step
    if last_ms < first_ms:
        return 0
    grid = np.arange(first_ms, last_ms + 1, step, dtype=np.int64)

    changes = selectors.ledger_changes(account)
    held = _holdings_on_grid(changes, grid)
    quote = valuation.quote_asset()
    prices = {
        asset: valuation.minute_prices(asset, grid, source)
        for asset, totals in held.items()
        if asset != quote and totals.any()
    }
    deposit_rows = [
        (time, asset, amount)
        for time, asset, kind, amount in changes
        if kind == EntryKind.DEPOSIT
    ]
    deposit_us = np.array([_us(row[0]) for row in deposit_rows], np.int64)
    running = np.array(valuation.flows_e8(deposit_rows, source), dtype=object)
    flow_index = np.searchsorted(deposit_us, grid * 1000, side="right") - 1

    snapshots = []
    assets = list(held)
    for i, at_ms in enumerate(grid.tolist()):
        totals = {asset: int(held[asset][i]) for asset in assets}
        equity, cash = equity_e8(
            totals, {asset: int(p[i]) for asset, p in prices.items()}
        )
        snapshots.append(
            EquitySnapshot(
                account=account,
                time=_moment(at_ms),
                equity=valuation.to_decimal(equity),
                cash=valuation.to_decimal(cash),
                net_flows=valuation.to_decimal(
                    running[flow_index[i]] if flow_index[i] >= 0 else 0
                ),
            )
        )

    first_day = _moment(first_ms).date()
    with transaction.atomic():
        EquitySnapshot.objects.filter(
            account=account, time__gte=_moment(first_ms), time__lte=_moment(last_ms)
        ).delete()
        EquitySnapshot.objects.bulk_create(snapshots, batch_size=5000)
        EquityDay.objects.filter(account=account, day__gte=first_day).delete()
    summarize_days(account.pk, before=utc_now().date())
    logger.info(
        "Rebuilt %d snapshots of account %s from %s",
        len(snapshots),
        account.pk,
        first_day,
    )
    return len(snapshots)


def _holdings_on_grid(changes, grid):
    """``{asset: totals e8 at each grid instant}`` from the ledger changes."""
    by_asset = {}
    for time, asset, _kind, amount in changes:
        by_asset.setdefault(asset, ([], []))
        by_asset[asset][0].append(_us(time))
        by_asset[asset][1].append(int(amount))
    held = {}
    for asset, (times, amounts) in by_asset.items():
        running = np.cumsum(np.array(amounts, dtype=np.int64))
        index = np.searchsorted(
            np.array(times, dtype=np.int64), grid * 1000, side="right"
        )
        held[asset] = np.where(index > 0, running[np.maximum(index - 1, 0)], 0)
    return held
