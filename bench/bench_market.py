"""Market data: the simulated market's raw speed, and the klines route under load
beside the trivial /api/ping in the same run (service mode, gunicorn)."""

import os
import time

CONCURRENCY = 32
SECONDS = 5
YEAR_MINUTES = 365 * 1440


def _setup_django():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    django.setup()


def _simulated_year():
    from trading.catalog import DEFAULT_SYMBOLS
    from trading.market.intervals import DAY_MS
    from trading.market.simulated import SimulatedMarket
    from trading.market.symbols import SymbolSpec

    spec = SymbolSpec(status="TRADING", **DEFAULT_SYMBOLS[0])
    start = 1704067200000  # 2024-01-01
    model = SimulatedMarket()
    model.path(spec)  # the day path is built once per process; time the minutes
    started = time.perf_counter()
    year = model.minutes(spec, start, start + 365 * DAY_MS, 10**13)
    elapsed = time.perf_counter() - started
    assert len(year) == YEAR_MINUTES
    return elapsed


def _token():
    """A bearer token that the API accepts.

    Tokens are bound to a login session once accounts tracks them, so mint one
    through its session service when it exists, else through the shared helper.
    """
    import subprocess
    import sys

    from bench.http import ROOT, access_token, service_env

    script = (
        "import django; django.setup();"
        "from accounts.models import User;"
        "from accounts.services.sessions import start_session;"
        "email = 'bench-market@bench.local';"
        "u = User.objects.filter(email=email).first() or "
        "User.objects.create_user(email, 'bench-Password-1');"
        "print(start_session(u)['accessToken'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=service_env(),
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        return access_token()
    return "Bearer " + out.stdout.strip().splitlines()[-1]


def _http_rows(label, figures, ping):
    rows = [
        {"name": f"{label} throughput", "value": figures["rps"], "unit": "req/s"},
        {"name": f"{label} p50", "value": figures["p50_ms"], "unit": "ms"},
        {
            "name": f"{label} p99",
            "value": figures["p99_ms"],
            "unit": "ms",
            "target": "<= 100",
        },
        {
            "name": f"{label} vs ping",
            "value": figures["rps"] / ping["rps"],
            "unit": "ratio",
            "target": ">= 0.25",
            "note": f"ping {ping['rps']:.0f} req/s in the same run",
        },
    ]
    if figures["errors"]:
        rows.append({"name": f"{label} errors", "value": figures["errors"], "unit": ""})
    return rows


def run():
    _setup_django()
    rows = [
        {
            "name": "simulated market: a year of 1m candles",
            "value": _simulated_year(),
            "unit": "s",
            "target": "<= 1",
            "note": "525,600 candles, one symbol, cold cache",
        }
    ]

    from bench.http import load, serve_api

    with serve_api(workers=2) as base:
        headers = {"Authorization": _token()}
        ping = load(base + "/api/ping", concurrency=CONCURRENCY, seconds=SECONDS)
        minutes = load(
            base + "/api/trading/market/klines/BTCUSDT?interval=1m&limit=500",
            concurrency=CONCURRENCY,
            seconds=SECONDS,
            headers=headers,
        )
        hours = load(
            base + "/api/trading/market/klines/BTCUSDT?interval=1h&limit=500",
            concurrency=CONCURRENCY,
            seconds=SECONDS,
            headers=headers,
        )
    rows += [{"name": "ping throughput", "value": ping["rps"], "unit": "req/s"}]
    rows += _http_rows("klines 500 x 1m", minutes, ping)
    rows += _http_rows("klines 500 x 1h", hours, ping)
    return rows
