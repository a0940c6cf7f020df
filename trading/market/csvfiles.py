"""Reading klines from CSV: Binance public-data files and plain OHLCV tables.

Binance's files (data.binance.vision) have no header and twelve columns: open
time, open, high, low, close, volume, close time, quote volume, trades, taker buy
base volume, taker buy quote volume, ignore. Times are milliseconds, or
microseconds in spot files from 2025 on. They come zipped, one CSV per archive.

A plain table has a header naming at least a time column (``open_time``, ``time``,
``timestamp`` or ``date``) and ``open, high, low, close, volume``; optional
``quote_volume``, ``trades``, ``taker_buy_base_volume`` and
``taker_buy_quote_volume``. Its times are epoch seconds, milliseconds or ISO-8601.
"""

import csv
import io
import re
import zipfile
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from trading.market import intervals
from trading.market.candles import Candles, decimal_to_e8

BINANCE_NAME = re.compile(r"^(?P<symbol>[A-Z0-9]+)-(?P<interval>\d+[mhdwM])-")
TIME_COLUMNS = ("open_time", "opentime", "time", "timestamp", "date", "datetime")


class CSVProblem(ValueError):
    """A row that cannot be imported, with where it is."""


def guess_symbol_and_interval(path):
    match = BINANCE_NAME.match(Path(path).name)
    if not match:
        return None, None
    return match["symbol"], match["interval"]


def read_texts(path):
    """``(name, text)`` for a CSV file, or for each CSV inside a zip archive."""
    path = Path(path)
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.lower().endswith(".csv"):
                    yield member, archive.read(member).decode("utf-8-sig")
    else:
        yield path.name, path.read_text(encoding="utf-8-sig")


def _millis(raw):
    """Epoch seconds, milliseconds or microseconds, or an ISO-8601 instant, as ms."""
    raw = raw.strip()
    if raw.isdigit():
        value = int(raw)
        if value >= 10**14:  # microseconds
            return value // 1000
        if value >= 10**11:  # milliseconds
            return value
        return value * 1000
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _e8(raw):
    return decimal_to_e8(Decimal(raw.strip()))


def parse(text, interval, name="csv"):
    """The candles of one CSV text; raises :class:`CSVProblem` naming the line."""
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if not rows:
        return Candles.empty()
    header = [cell.strip().lower() for cell in rows[0]]
    binance = rows[0][0].strip().isdigit()
    records = []
    for number, row in enumerate(
        rows if binance else rows[1:], start=1 if binance else 2
    ):
        try:
            record = _binance_row(row) if binance else _plain_row(header, row, interval)
        except (ValueError, InvalidOperation, IndexError, KeyError) as exc:
            raise CSVProblem(f"{name}:{number}: {exc}") from None
        problem = _check(record, interval)
        if problem:
            raise CSVProblem(f"{name}:{number}: {problem}")
        records.append(record)
    records.sort(key=lambda record: record[0])
    names = (
        "open_time",
        "close_time",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "quote_volume",
        "trades",
        "taker_base",
        "taker_quote",
    )
    return Candles(**{key: [r[i] for r in records] for i, key in enumerate(names)})


def _binance_row(row):
    open_time = _millis(row[0])
    close_time = _millis(row[6])
    return (
        open_time,
        close_time,
        _e8(row[1]),
        _e8(row[2]),
        _e8(row[3]),
        _e8(row[4]),
        _e8(row[5]),
        _e8(row[7]),
        int(row[8]),
        _e8(row[9]),
        _e8(row[10]),
    )


def _plain_row(header, row, interval):
    cells = dict(zip(header, row, strict=False))
    time_column = next((c for c in TIME_COLUMNS if c in cells), None)
    if time_column is None:
        raise KeyError("no time column (open_time, time, timestamp or date)")
    open_time = _millis(cells[time_column])
    o, h, lo, c, v = (_e8(cells[k]) for k in ("open", "high", "low", "close", "volume"))
    if cells.get("quote_volume", "").strip():
        quote = _e8(cells["quote_volume"])
    else:
        # Not in the file: the volume at the candle's typical price.
        quote = v * (o + h + lo + c) // 4 // 10**8
    return (
        open_time,
        intervals.next_open(interval, open_time) - 1,
        o,
        h,
        lo,
        c,
        v,
        quote,
        int(cells.get("trades") or 0),
        _e8(cells.get("taker_buy_base_volume") or "0"),
        _e8(cells.get("taker_buy_quote_volume") or "0"),
    )


def _check(record, interval):
    open_time, close_time, o, h, lo, c, v = record[:7]
    if intervals.floor_open(interval, open_time) != open_time:
        return f"open time {open_time} does not start a {interval} candle"
    if close_time != intervals.next_open(interval, open_time) - 1:
        return f"close time {close_time} does not end a {interval} candle"
    if not (lo <= min(o, c) and h >= max(o, c) and lo > 0):
        return "high, low, open and close are inconsistent"
    if v < 0:
        return "negative volume"
    return None
