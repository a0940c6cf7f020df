"""The snapshot job values the ledger at closed-candle prices, and a rebuild from
the ledger and the klines answers exactly the rows the job stored."""

import io
from datetime import timedelta
from decimal import Decimal

from django.core.management import call_command

from portfolio import valuation
from portfolio.models import EquitySnapshot
from portfolio.services.snapshots import rebuild, take_snapshots
from tests.portfolio.conftest import OPENED, deposit, trade
from trading.models import Balance


def _script(trader, account):
    """Trades and a deposit over half an hour after the opening."""
    trade(trader, "BUY", "0.01", OPENED + timedelta(minutes=5, seconds=30))
    deposit(account, "USDT", "500", OPENED + timedelta(minutes=10, seconds=15))
    trade(trader, "SELL", "0.004", OPENED + timedelta(minutes=20, seconds=30))
    trade(trader, "BUY", "0.5", OPENED + timedelta(minutes=25, seconds=30), "ETHUSDT")


def _stored(account):
    return list(
        EquitySnapshot.objects.filter(account=account)
        .order_by("time")
        .values_list("time", "equity", "cash", "net_flows")
    )


def test_it_values_the_ledger_at_the_last_closed_candle(trader, account, source):
    # given the scripted half hour
    _script(trader, account)
    at = OPENED + timedelta(minutes=30)

    # when the job runs a few seconds after the half hour
    stored = take_snapshots(now=at + timedelta(seconds=7), source=source)

    # then the snapshot sits on the grid and is worth the balances at prices
    assert stored == 1
    row = EquitySnapshot.objects.get(account=account)
    balances = {b.asset: b.total for b in Balance.objects.filter(account=account)}
    ms = int(at.timestamp() * 1000)
    btc = valuation.to_decimal(valuation.price_e8_at("BTC", ms, source))
    eth = valuation.to_decimal(valuation.price_e8_at("ETH", ms, source))
    expected = (
        balances["USDT"]
        + (balances["BTC"] * btc).quantize(Decimal("1e-8"))
        + (balances["ETH"] * eth).quantize(Decimal("1e-8"))
    )
    assert row.time == at
    assert balances["BTC"] == Decimal("0.006") and balances["ETH"] == Decimal("0.5")
    assert row.cash == balances["USDT"]
    assert row.equity == expected
    assert row.net_flows == Decimal("10500")


def test_a_second_run_at_the_same_instant_stores_nothing(trader, account, source):
    at = OPENED + timedelta(minutes=3)

    assert take_snapshots(now=at, source=source) == 1
    assert take_snapshots(now=at + timedelta(seconds=30), source=source) == 0


def test_rebuilding_from_the_ledger_matches_what_the_job_stored(
    trader, account, source
):
    # given the job ran every minute of the scripted half hour
    _script(trader, account)
    for minute in range(31):
        at = OPENED + timedelta(minutes=minute, seconds=2)
        take_snapshots(now=at, source=source)
    stored = _stored(account)

    # when the snapshots are rebuilt from the ledger and the klines
    written = rebuild(
        account, start=OPENED, end=OPENED + timedelta(minutes=30), source=source
    )

    # then every row comes back identical
    assert written == 31
    assert _stored(account) == stored
    # and the deposit counts as a flow only from its minute on
    flows = {time: flow for time, _, _, flow in stored}
    assert flows[OPENED + timedelta(minutes=10)] == Decimal("10000")
    assert flows[OPENED + timedelta(minutes=11)] == Decimal("10500")


def test_the_command_rebuilds_a_damaged_history(trader, account, source, settings):
    # given stored snapshots, one of them tampered with
    _script(trader, account)
    for minute in range(0, 31, 10):
        take_snapshots(now=OPENED + timedelta(minutes=minute), source=source)
    stored = _stored(account)
    EquitySnapshot.objects.filter(account=account).update(equity=Decimal("1"))

    # when
    out = io.StringIO()
    call_command(
        "rebuild_equity",
        "--email",
        trader.email,
        "--start",
        OPENED.isoformat(),
        "--end",
        (OPENED + timedelta(minutes=30)).isoformat(),
        stdout=out,
    )

    # then the ten-minute rows are back (with the minutes between them added)
    assert f"{trader.email}: 31 snapshots" in out.getvalue()
    rebuilt = {row[0]: row for row in _stored(account)}
    assert len(rebuilt) == 31
    for row in stored:
        assert rebuilt[row[0]] == row
