"""Portfolio performance for an account with 10,000 fills and a year of minute
snapshots (525,600 rows), on PostgreSQL (service mode) and on SQLite.

Each database is measured in its own process (``python -m bench.bench_portfolio
measure``), which builds the account once (kept for later runs) and times the
performance service for each period.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

MINUTES = 525_600
ROUND_TRIPS = 5_000  # two fills each
PERIODS = ("1y", "all", "90d", "30d", "7d", "1d")
REPEATS = 5
EMAIL = "bench-portfolio@bench.local"
END = datetime(2025, 1, 1, tzinfo=UTC)


def _build(user, account):
    """Closed positions of 10,000 fills and a year of minute snapshots, written
    in bulk as the services would leave them."""
    from decimal import Decimal

    import numpy as np
    from django.db import transaction

    from portfolio.models import EquitySnapshot
    from portfolio.services.snapshots import summarize_days
    from trading.models import Fill, Order, Position

    start = END - timedelta(minutes=MINUTES)
    rng = np.random.default_rng(11)
    with transaction.atomic():
        orders, fills, positions = [], [], []
        for index in range(ROUND_TRIPS):
            opened = start + timedelta(minutes=index * 100)
            closed = opened + timedelta(minutes=50)
            buy = Decimal(40000 + int(rng.integers(-500, 500)))
            sell = buy + Decimal(int(rng.integers(-300, 320)))
            quantity = Decimal("0.01")
            fee = (buy * quantity * Decimal("0.001")).quantize(Decimal("1e-8"))
            for side, price, at in (("BUY", buy, opened), ("SELL", sell, closed)):
                order = Order(
                    user=user,
                    symbol="BTCUSDT",
                    side=side,
                    type="MARKET",
                    time_in_force="GTC",
                    quantity=quantity,
                    status="FILLED",
                    executed_qty=quantity,
                    cumulative_quote_qty=price * quantity,
                    fee_total=fee,
                )
                orders.append(order)
                fills.append(
                    Fill(
                        order=order,
                        price=price,
                        quantity=quantity,
                        quote_qty=price * quantity,
                        fee=fee,
                        fee_asset="USDT",
                        is_maker=False,
                        created_at=at,
                    )
                )
            positions.append(
                Position(
                    user=user,
                    symbol="BTCUSDT",
                    status="CLOSED",
                    avg_entry_price=buy,
                    bought_qty=quantity,
                    sold_qty=quantity,
                    realized_pnl=(sell - buy) * quantity - 2 * fee,
                    fees=2 * fee,
                    opened_at=opened,
                    closed_at=closed,
                )
            )
        Order.objects.bulk_create(orders, batch_size=5000)
        Fill.objects.bulk_create(fills, batch_size=5000)
        Position.objects.bulk_create(positions, batch_size=5000)

    steps = rng.normal(0, 0.0008, MINUTES)
    equity = 10000 * np.exp(np.cumsum(steps))
    flows = np.full(MINUTES, 10000.0)
    flows[MINUTES // 2 :] += 5000
    equity[MINUTES // 2 :] += 5000
    batch = []
    for minute in range(MINUTES):
        batch.append(
            EquitySnapshot(
                account=account,
                time=start + timedelta(minutes=minute + 1),
                equity=Decimal(f"{equity[minute]:.8f}"),
                cash=Decimal(f"{equity[minute]:.8f}"),
                net_flows=Decimal(f"{flows[minute]:.8f}"),
            )
        )
        if len(batch) == 20_000:
            EquitySnapshot.objects.bulk_create(batch)
            batch = []
    EquitySnapshot.objects.bulk_create(batch)
    summarize_days(account.pk, before=END.date())


def measure():
    """In a configured process: build the data if missing, answer the timings
    as JSON on stdout."""
    import django

    django.setup()
    from django.db import connection

    from accounts.models import User
    from portfolio.models import EquitySnapshot
    from portfolio.services.performance import performance
    from trading.models import Account

    user = User.objects.filter(email=EMAIL).first() or User.objects.create_user(
        EMAIL, "bench-Password-1"
    )
    account, _ = Account.objects.get_or_create(user=user)
    built = None
    if EquitySnapshot.objects.filter(account=account).count() != MINUTES:
        EquitySnapshot.objects.filter(account=account).delete()
        from trading.models import Fill, Order, Position

        Fill.objects.filter(order__user=user).delete()
        Order.objects.filter(user=user).delete()
        Position.objects.filter(user=user).delete()
        started = time.perf_counter()
        _build(user, account)
        built = time.perf_counter() - started

    now = END + timedelta(seconds=30)
    timings = {}
    for period in PERIODS:
        performance(user, account, period, now=now)  # warm: prices, caches
        runs = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            body = performance(user, account, period, now=now)
            runs.append((time.perf_counter() - started) * 1000)
        timings[period] = {
            "median": statistics.median(runs),
            "points": len(body["equityCurve"]),
            "trades": body["numberOfTrades"],
        }
    print(
        json.dumps({"vendor": connection.vendor, "built_s": built, "timings": timings})
    )


def _run_in(env):
    from bench.http import ROOT

    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_portfolio", "measure"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run():
    from bench.http import ROOT, prepare, service_env

    postgres = service_env()
    prepare(postgres)
    var = os.environ.get("BENCH_SQLITE_DIR") or os.path.join(
        tempfile.gettempdir(), "bench-portfolio-sqlite"
    )
    os.makedirs(var, exist_ok=True)
    sqlite = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL")
    }
    sqlite.update(
        {
            "VAR_DIR": var,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "RATE_LIMIT_ENABLED": "false",
        }
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=sqlite,
        check=True,
    )
    rows = []
    for label, env in (("PostgreSQL", postgres), ("SQLite", sqlite)):
        result = _run_in(env)
        for period, figures in result["timings"].items():
            rows.append(
                {
                    "name": f"performance {period}, {label}",
                    "value": figures["median"],
                    "unit": "ms",
                    "target": "<= 300",
                    "note": f"{figures['points']} curve points, "
                    f"{figures['trades']} trades; median of {REPEATS}",
                }
            )
        if result["built_s"] is not None:
            rows.append(
                {
                    "name": f"building the account, {label}",
                    "value": result["built_s"],
                    "unit": "s",
                    "note": "10,000 fills, 525,600 snapshots, day summaries",
                }
            )
    return rows


if __name__ == "__main__":
    if sys.argv[1:] == ["measure"]:
        measure()
