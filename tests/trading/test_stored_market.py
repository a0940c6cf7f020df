"""Stored klines: the CSV import, the backfill and recorder, and the stored source."""

import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from trading.market import get_source
from trading.models import Kline
from trading.services.store_klines import backfill, record_recent

pytestmark = pytest.mark.django_db

START = 1704067200000  # 2024-01-01T00:00:00Z
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def binance_rows(count, start=START, micro=False):
    unit = 1000 if micro else 1
    lines = []
    for i in range(count):
        open_time = start + i * 60_000
        lines.append(
            f"{open_time * unit},{42000 + i}.10000000,{42010 + i}.00000000,"
            f"{41990 + i}.00000000,{42001 + i}.25000000,1.50000000,"
            f"{(open_time + 59_999) * unit + (unit - 1)},63000.00000000,{10 + i},"
            "0.75000000,31500.00000000,0"
        )
    return "\n".join(lines) + "\n"


@pytest.fixture
def binance_zip(tmp_path):
    path = tmp_path / "BTCUSDT-1m-2024-01.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("BTCUSDT-1m-2024-01.csv", binance_rows(10))
    return path


def test_it_imports_a_binance_file_once(binance_zip):
    call_command("import_klines", str(binance_zip), stdout=open("/dev/null", "w"))
    call_command("import_klines", str(binance_zip), stdout=open("/dev/null", "w"))

    rows = Kline.objects.filter(symbol__symbol="BTCUSDT", interval="1m")
    assert rows.count() == 10
    first = rows.order_by("open_time").first()
    assert first.open_time == START and first.close_time == START + 59_999
    assert (first.open_e8, first.trades, first.quote_volume_e8) == (
        4200010000000,
        10,
        6300000000000,
    )


def test_it_reads_microsecond_times_of_newer_binance_files(tmp_path):
    path = tmp_path / "ETHUSDT-1m-2025-01-01.csv"
    path.write_text(
        binance_rows(3, micro=True).replace("4200", "320").replace("4199", "319")
    )

    call_command("import_klines", str(path), stdout=open("/dev/null", "w"))

    opens = sorted(
        Kline.objects.filter(symbol__symbol="ETHUSDT").values_list(
            "open_time", flat=True
        )
    )
    assert opens == [START, START + 60_000, START + 120_000]


def test_it_imports_a_plain_ohlcv_table(tmp_path):
    path = tmp_path / "sol.csv"
    path.write_text(
        "timestamp,open,high,low,close,volume\n"
        "2024-01-01T00:00:00Z,100.5,101,100,100.75,10\n"
        "2024-01-01T01:00:00Z,100.75,102,100.5,101.5,20\n"
    )

    call_command(
        "import_klines",
        str(path),
        symbol="SOLUSDT",
        interval="1h",
        stdout=open("/dev/null", "w"),
    )

    candles = get_source("stored").klines("SOLUSDT", "1h", start=START, now=NOW)
    assert candles.close.tolist() == [10075000000, 10150000000]
    # No quote volume in the file: the volume at the typical price.
    assert candles.quote_volume[0] == 10 * (100.5 + 101 + 100 + 100.75) / 4 * 10**8


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (binance_rows(1).replace("41990", "52000"), "inconsistent"),
        (binance_rows(1).replace(f"{START},", f"{START + 5},", 1), "does not start"),
        (binance_rows(1).replace("1.50000000", "1.500000001"), "8 decimal"),
        ("1704067200000,abc\n", ":1:"),
    ],
)
def test_it_refuses_a_bad_row_naming_its_line(tmp_path, content, problem):
    path = tmp_path / "BTCUSDT-1m-2024-01.csv"
    path.write_text(content)

    with pytest.raises(CommandError, match=problem):
        call_command("import_klines", str(path), stdout=open("/dev/null", "w"))

    assert not Kline.objects.exists()


def test_the_stored_source_serves_and_aggregates_imported_minutes(binance_zip):
    call_command("import_klines", str(binance_zip), stdout=open("/dev/null", "w"))
    stored = get_source("stored")

    minutes = stored.klines("BTCUSDT", "1m", start=START, limit=4, now=NOW)
    newest = stored.klines("BTCUSDT", "1m", limit=2, now=NOW)
    five = stored.klines("BTCUSDT", "5m", start=START, now=NOW)
    price = stored.price("BTCUSDT", now=START_PLUS(9, 30))

    assert minutes.open_time.tolist() == [START + i * 60_000 for i in range(4)]
    assert newest.open_time.tolist() == [START + 8 * 60_000, START + 9 * 60_000]
    assert len(five) == 2
    assert five.volume.tolist() == [5 * 150_000_000, 5 * 150_000_000]
    assert five.high[0] == minutes.high.max() + 10**8  # the 5th minute's high
    assert str(price.price) == "42010.25"


def START_PLUS(minutes, seconds=0):
    return datetime.fromtimestamp(START / 1000, UTC) + timedelta(
        minutes=minutes, seconds=seconds
    )


def test_the_backfill_stores_closed_candles_once(settings):
    end = START + 3 * 3_600_000

    first = backfill("ETHUSDT", START, end, "simulated", now=NOW)
    again = backfill("ETHUSDT", START, end, "simulated", now=NOW)
    stored = get_source("stored").klines("ETHUSDT", "1h", start=START, now=NOW)
    simulated = get_source("simulated").klines(
        "ETHUSDT", "1h", start=START, limit=3, now=NOW
    )

    assert (first, again) == (180, 0)
    assert stored.close.tolist() == simulated.close.tolist()
    assert stored.volume.tolist() == simulated.volume.tolist()


def test_the_backfill_command_reports_what_it_added():
    from io import StringIO

    out = StringIO()
    call_command(
        "backfill_klines",
        start="2024-01-01",
        end="2024-01-01T00:30:00Z",
        symbol=["BNBUSDT"],
        source="simulated",
        stdout=out,
    )

    assert "BNBUSDT 1m: 30 new candles" in out.getvalue()


def test_the_recorder_picks_up_where_it_left_off_and_never_stores_the_open_minute():
    now = datetime(2024, 3, 1, 12, 0, 30, tzinfo=UTC)

    first = record_recent("simulated", now=now)
    again = record_recent("simulated", now=now)
    later = record_recent("simulated", now=now + timedelta(minutes=5))

    assert first["BTCUSDT"] == 60  # the hour before, up to 11:59
    assert again["BTCUSDT"] == 0
    assert later["BTCUSDT"] == 5
    newest = Kline.objects.filter(symbol__symbol="BTCUSDT").order_by("-open_time")[0]
    assert newest.close_time < int((now + timedelta(minutes=5)).timestamp() * 1000)


def test_the_stored_source_on_the_api(auth_client, settings, binance_zip):
    settings.MARKET_DATA_SOURCE = "stored"
    call_command("import_klines", str(binance_zip), stdout=open("/dev/null", "w"))

    response = auth_client.get(
        f"/api/trading/market/klines/BTCUSDT?startTime={START}&limit=2"
    )
    empty = auth_client.get("/api/trading/market/klines/SOLUSDT")

    assert [k["close"] for k in response.json()["klines"]] == [42001.25, 42002.25]
    assert empty.status_code == 200 and empty.json()["klines"] == []
