"""Paper exchange: POST /orders (MARKET) under load beside /api/ping in the same
run, and a matching pass over 10,000 resting orders (service mode, PostgreSQL)."""

import gc
import os
import subprocess
import sys
import time

CONCURRENCY = 32
# Routes run in turns (bench.http.load_rounds): ROUNDS x SECONDS each.
ROUNDS = 4
SECONDS = 2
RESTING = 10_000
CROSSED = 100
BENCH_EMAIL = "bench-trading@bench.local"


def _setup_django():
    from bench.http import prepare, service_env

    env = service_env()
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        os.environ.setdefault(name, env[name])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    prepare(env)
    import django

    django.setup()


def _funded_tokens(count):
    """Session tokens of ``count`` bench users, whose paper accounts get enough
    USDT for every order the run may place; the first is the single-account
    user."""
    from bench.http import ROOT, service_env

    script = (
        "import django; django.setup();"
        "from accounts.models import User;"
        "from accounts.services.sessions import start_session;"
        "from trading.services.fund_account import fund, get_account;"
        f"emails = ['{BENCH_EMAIL}'] + "
        f"[f'bench-trader-{{i}}@bench.local' for i in range(1, {count})];"
        "users = [User.objects.filter(email=e).first() or "
        "User.objects.create_user(e, 'bench-Password-1') for e in emails];"
        "[fund(get_account(u), 'USDT', 100000000) for u in users];"
        "print(' '.join(start_session(u)['accessToken'] for u in users))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=service_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return ["Bearer " + token for token in out.stdout.strip().split("\n")[-1].split()]


def _http_rows():
    from bench.http import load_rounds, serve_api

    body = '{"symbol":"BTCUSDT","side":"BUY","type":"MARKET","quantity":0.001}'
    json = {"Content-Type": "application/json"}
    with serve_api(workers=2) as base:
        tokens = _funded_tokens(CONCURRENCY)
        orders = {"url": base + "/api/trading/orders", "method": "POST", "body": body}
        found = load_rounds(
            {
                "ping": {"url": base + "/api/ping"},
                "users": {
                    **orders,
                    "headers": [{"Authorization": token, **json} for token in tokens],
                },
                "one": {**orders, "headers": {"Authorization": tokens[0], **json}},
            },
            rounds=ROUNDS,
            seconds=SECONDS,
            concurrency=CONCURRENCY,
        )
    # The same load with every order in a transaction of its own: what group
    # commit (trading.services.group_commit) is worth.
    with serve_api(env={"TRADING_ORDER_BATCH_MAX": "1"}, workers=2) as base:
        alone = load_rounds(
            {
                "ping": {"url": base + "/api/ping"},
                "users": {
                    **orders,
                    "url": base + "/api/trading/orders",
                    "headers": [{"Authorization": token, **json} for token in tokens],
                },
            },
            rounds=ROUNDS,
            seconds=SECONDS,
            concurrency=CONCURRENCY,
        )
    ping, users, one = found["ping"], found["users"], found["one"]
    rows = [{"name": "ping throughput", "value": ping["rps"], "unit": "req/s"}]
    for label, figures, note, reference in (
        ("32 users", users, "32 connections, each its own user", ping),
        (
            "one account",
            one,
            "32 connections on one account: its rows serialise",
            ping,
        ),
        (
            "32 users, each order alone",
            alone["users"],
            "TRADING_ORDER_BATCH_MAX=1: no group commit",
            alone["ping"],
        ),
    ):
        rows += [
            {
                "name": f"POST /orders MARKET, {label}: throughput",
                "value": figures["rps"],
                "unit": "req/s",
            },
            {
                "name": f"POST /orders MARKET, {label}: p50",
                "value": figures["p50_ms"],
                "unit": "ms",
            },
            {
                "name": f"POST /orders MARKET, {label}: p99",
                "value": figures["p99_ms"],
                "unit": "ms",
                "target": "<= 100",
            },
            {
                "name": f"POST /orders MARKET, {label}: vs ping",
                "value": figures["rps"] / reference["rps"],
                "unit": "ratio",
                "target": ">= 0.1",
                "note": f"ping {reference['rps']:.0f} req/s; {note}",
            },
        ]
        if figures["errors"]:
            rows.append(
                {
                    "name": f"POST /orders MARKET, {label}: errors",
                    "value": figures["errors"],
                    "unit": "",
                }
            )
    return rows


def _resting_book():
    """10,000 resting BUY limits of 100 users, locked and in the ledger as the
    services would leave them, a cent apart below the price."""
    from decimal import Decimal

    from django.db import transaction

    from accounts.models import User
    from core.time import utc_now
    from trading.models import Account, Balance, Fill, LedgerEntry, Order, Position
    from trading.services.execution import buy_lock
    from trading.services.fund_account import get_account

    # The previous run's rows (benchmark database only), entries first: the
    # ledger protects the orders it refers to.
    mine = {"account__user__email__startswith": "bench-match-"}
    LedgerEntry.objects.filter(**mine).delete()
    Balance.objects.filter(**mine).delete()
    Fill.objects.filter(order__user__email__startswith="bench-match-").delete()
    Order.objects.filter(user__email__startswith="bench-match-").delete()
    Position.objects.filter(user__email__startswith="bench-match-").delete()
    Account.objects.filter(user__email__startswith="bench-match-").delete()
    now = utc_now()
    from trading.market import get_source

    last = get_source().price("BTCUSDT", now=now).price
    top = last - Decimal(50)
    quantity = Decimal("0.001")
    users = []
    for index in range(100):
        email = f"bench-match-{index}@bench.local"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, "bench-Password-1"
        )
        users.append((user, get_account(user)))
    orders, entries, locks = [], [], {}
    for index in range(RESTING):
        user, account = users[index % len(users)]
        price = top - Decimal(index) / 100
        lock = buy_lock(quantity, price)
        order = Order(
            user=user,
            symbol="BTCUSDT",
            side="BUY",
            type="LIMIT",
            time_in_force="GTC",
            quantity=quantity,
            price=price,
            locked_asset="USDT",
            locked_amount=lock,
        )
        orders.append(order)
        entries.append(
            LedgerEntry(
                account=account,
                asset="USDT",
                kind="LOCK",
                available_delta=-lock,
                locked_delta=lock,
                order=order,
                created_at=now,
            )
        )
        locks[account.pk] = locks.get(account.pk, 0) + lock
    with transaction.atomic():
        Order.objects.bulk_create(orders, batch_size=2000)
        LedgerEntry.objects.bulk_create(entries, batch_size=2000)
        for account_pk, lock in locks.items():
            row = Balance.objects.select_for_update().get(
                account_id=account_pk, asset="USDT"
            )
            row.available -= lock
            row.locked += lock
            row.save()
    return top, now


def _matching_rows():
    from decimal import Decimal

    from trading.market import get_source
    from trading.market.symbols import get_spec
    from trading.services.match import market_span, match_symbol

    spec = get_spec("BTCUSDT")
    top, now = _resting_book()
    # The objects this benchmark built are frozen, as a worker freezes what it
    # loaded at start (config/celery.py): otherwise a full collection walking
    # them lands in a timed pass.
    gc.collect()
    gc.freeze()
    started = time.perf_counter()
    idle = match_symbol(spec, top + 1, now)
    scan = time.perf_counter() - started
    # Each bench user's first fill creates its BTC row (once): not part of a
    # pass in steady state, so the rows exist before it is timed.
    from trading.models import Order
    from trading.services.ledger import ensure_balances

    ensure_balances(
        Order.objects.filter(user__email__startswith="bench-match-")
        .values_list("user_id", flat=True)
        .distinct(),
        ["BTC", "USDT"],
    )
    started = time.perf_counter()
    crossed = match_symbol(spec, top - Decimal(CROSSED - 1) / 100, now)
    fill = time.perf_counter() - started
    assert not idle.filled and len(crossed.filled) == CROSSED
    source = get_source()
    price = source.price(spec, now=now).price
    started = time.perf_counter()
    span = market_span(source, spec, price, now)
    reading = time.perf_counter() - started
    started = time.perf_counter()
    spanned = match_symbol(spec, top - Decimal(2 * CROSSED - 1) / 100, now, span=span)
    with_span = time.perf_counter() - started
    assert len(spanned.filled) == CROSSED
    return [
        {
            "name": "matching pass, 10,000 resting, none crossed",
            "value": scan * 1000,
            "unit": "ms",
            "target": "<= 200",
        },
        {
            "name": f"matching pass, 10,000 resting, {CROSSED} filled",
            "value": fill * 1000,
            "unit": "ms",
            "target": "<= 200",
            "note": f"{fill * 1000 / CROSSED:.2f} ms per fill, {CROSSED} accounts",
        },
        {
            "name": f"matching pass with the last hour of candles, {CROSSED} filled",
            "value": (reading + with_span) * 1000,
            "unit": "ms",
            "target": "<= 200",
            "note": f"reading {len(span.steps)} candle steps: {reading * 1000:.1f} ms",
        },
    ]


def run():
    _setup_django()
    rows = _matching_rows()
    rows += _http_rows()
    return rows
