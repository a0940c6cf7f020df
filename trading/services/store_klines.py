"""Storing candles, from any source, without ever storing one twice."""

import logging

from django.db import transaction

from core.time import to_epoch_ms, utc_now
from trading.market import get_source, intervals
from trading.market.base import MAX_LIMIT
from trading.market.symbols import get_spec
from trading.models import Kline, Symbol

logger = logging.getLogger(__name__)

BATCH = 2000


def store_candles(spec, interval, candles, source):
    """Insert ``candles`` of ``interval`` for ``spec``; rows already stored (same
    symbol, interval and open time) are left as they are. Answers how many were
    added."""
    if not len(candles):
        return 0
    symbol = Symbol.objects.get(symbol=spec.symbol)
    rows = [
        Kline(
            symbol=symbol,
            interval=interval,
            open_time=int(candles.open_time[i]),
            close_time=int(candles.close_time[i]),
            open_e8=int(candles.open[i]),
            high_e8=int(candles.high[i]),
            low_e8=int(candles.low[i]),
            close_e8=int(candles.close[i]),
            volume_e8=int(candles.volume[i]),
            quote_volume_e8=int(candles.quote_volume[i]),
            trades=int(candles.trades[i]),
            taker_base_e8=int(candles.taker_base[i]),
            taker_quote_e8=int(candles.taker_quote[i]),
            source=source,
        )
        for i in range(len(candles))
    ]
    existing = Kline.objects.filter(symbol=symbol, interval=interval)
    with transaction.atomic():
        before = existing.count()
        Kline.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
        added = existing.count() - before
    logger.info(
        "Stored %d of %d %s %s candles from %s",
        added,
        len(rows),
        spec.symbol,
        interval,
        source,
    )
    return added


def backfill(symbol, start_ms, end_ms, source_name, interval="1m", now=None):
    """Store the closed candles opening in ``[start_ms, end_ms)`` from the source
    ``source_name``, a page at a time. Idempotent: answers how many were new."""
    if source_name == "stored":
        raise ValueError("The stored source cannot fill itself")
    spec = get_spec(symbol)
    source = get_source(source_name)
    now = now or utc_now()
    now_ms = to_epoch_ms(now)
    added = 0
    cursor = start_ms
    while cursor < end_ms:
        page = source.klines(
            spec, interval, start=cursor, end=end_ms - 1, limit=MAX_LIMIT, now=now
        )
        if not len(page):
            break
        # Only candles that have closed: the one in progress would be stored
        # half-made and never corrected.
        closed = page.slice(0, int((page.close_time < now_ms).sum()))
        added += store_candles(spec, interval, closed, source_name)
        if len(closed) < len(page):
            break
        cursor = intervals.next_open(interval, int(page.open_time[-1]))
    return added


# How far back the recorder reaches when a symbol has nothing stored yet.
RECORDER_FIRST_LOOKBACK_MS = 60 * intervals.MINUTE_MS


def record_recent(source_name, now=None):
    """Store the one-minute candles closed since the last one stored, per symbol.

    Answers ``{symbol: candles added}``. Safe to run as often as wanted.
    """
    now = now or utc_now()
    now_ms = to_epoch_ms(now)
    added = {}
    for symbol in Symbol.objects.filter(status=Symbol.Status.TRADING):
        last = (
            Kline.objects.filter(symbol=symbol, interval="1m")
            .order_by("-open_time")
            .values_list("open_time", flat=True)
            .first()
        )
        start = (
            last + intervals.MINUTE_MS
            if last is not None
            else now_ms // intervals.MINUTE_MS * intervals.MINUTE_MS
            - RECORDER_FIRST_LOOKBACK_MS
        )
        added[symbol.symbol] = backfill(
            symbol.symbol, start, now_ms, source_name, now=now
        )
    return added
