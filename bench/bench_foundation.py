"""The shared API layer: a trivial DRF route, health and an error answer, under
gunicorn (the service-mode REST server), and the same trivial route under daphne
to show why REST does not run there in service mode."""

from bench.http import load, serve_api

CONCURRENCY = 32
SECONDS = 5


def _rows(label, figures, reference=None):
    rows = [
        {"name": f"{label} throughput", "value": figures["rps"], "unit": "req/s"},
        {"name": f"{label} p50", "value": figures["p50_ms"], "unit": "ms"},
        {
            "name": f"{label} p99",
            "value": figures["p99_ms"],
            "unit": "ms",
            "target": "<= 100",
        },
    ]
    if reference:
        rows.append(
            {
                "name": f"{label} vs ping",
                "value": figures["rps"] / reference["rps"],
                "unit": "ratio",
                "note": "same run, same server",
            }
        )
    if figures["errors"]:
        rows.append({"name": f"{label} errors", "value": figures["errors"], "unit": ""})
    return rows


def run():
    rows = []
    with serve_api(workers=2) as base:
        ping = load(base + "/api/ping", concurrency=CONCURRENCY, seconds=SECONDS)
        health = load(base + "/api/health", concurrency=CONCURRENCY, seconds=SECONDS)
        missing = load(base + "/api/nowhere", concurrency=CONCURRENCY, seconds=SECONDS)
        rows += _rows("gunicorn ping", ping)
        rows += _rows("gunicorn health", health, ping)
        rows += [
            {
                "name": "gunicorn 404 envelope throughput",
                "value": missing["rps"],
                "unit": "req/s",
                "note": "answers are 404 by design",
            }
        ]
    with serve_api(server="daphne") as base:
        daphne = load(base + "/api/ping", concurrency=CONCURRENCY, seconds=SECONDS)
        rows += _rows("daphne ping", daphne, ping)
    return rows
