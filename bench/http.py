"""HTTP benchmarking: start the API as it runs in service mode, and load it.

``serve_api()`` migrates a benchmark database and starts gunicorn with WSGI workers
on a free port, in service mode (PostgreSQL and Redis). ``load()`` drives one URL
with a fixed number of keep-alive connections from an asyncio client and reports
throughput and latency percentiles. Compare every route with ``/api/ping`` measured
in the same run: absolute figures move with the machine, the ratio much less.
"""

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_platform"
BENCH_REDIS_URL = "redis://127.0.0.1:6379/2"


def service_env(extra=None):
    """Environment of a service-mode process for benchmarks."""
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", BENCH_DATABASE_URL)
    env.setdefault("REDIS_URL", BENCH_REDIS_URL)
    env.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef0123456789")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    # Benchmarks measure the work of a route, not the limiter refusing it, nor a
    # gunicorn worker restarting after its quota of requests.
    env["RATE_LIMIT_ENABLED"] = "false"
    env["WEB_MAX_REQUESTS"] = "0"
    env.update(extra or {})
    return env


def _ensure_database(url):
    name = urlsplit(url).path.lstrip("/")
    host = urlsplit(url).hostname or "127.0.0.1"
    exists = subprocess.run(
        [
            "psql",
            "-h",
            host,
            "-U",
            "postgres",
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(["createdb", "-h", host, "-U", "postgres", name], check=True)


def prepare(env):
    """Create and migrate the benchmark database."""
    if env["DATABASE_URL"].startswith("postgres"):
        _ensure_database(env["DATABASE_URL"])
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer {url} within {timeout}s")


@contextlib.contextmanager
def serve_api(env=None, workers=2, server="gunicorn"):
    """Run the API on a free port and yield its base URL (``http://host:port``).

    ``server="daphne"`` runs the ASGI application instead, to compare the two.
    """
    env = service_env(env)
    prepare(env)
    port = _free_port()
    if server == "gunicorn":
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "-c",
            "config/gunicorn.py",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
        ]
    else:
        command = [
            str(Path(sys.executable).parent / "daphne"),
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "config.asgi:application",
        ]
    log_dir = ROOT / "var" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / f"{server}.log", "ab") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base + "/api/ping")
            yield base
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def access_token(env=None, email="bench@bench.local"):
    """A bearer token for a benchmark user, from a login session as clients get."""
    script = (
        "import django; django.setup();"
        "from accounts.models import User;"
        "from accounts.services.sessions import start_session;"
        f"u = User.objects.filter(email='{email}').first() or "
        f"User.objects.create_user('{email}', 'bench-Password-1');"
        "print(start_session(u)['accessToken'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=service_env(env),
        capture_output=True,
        text=True,
        check=True,
    )
    return "Bearer " + out.stdout.strip().splitlines()[-1]


async def _read_response(reader):
    """Read one response; answers (status line, whether the server keeps it open)."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("server closed the connection")
    length, chunked, keep_open = 0, False, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection" and b"close" in value.lower():
            keep_open = False
    if chunked:
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status_line, keep_open


async def _connection(host, port, request, stop_at, latencies, errors):
    """One client: keep-alive when the server allows it; when it closes the
    connection, the client reconnects, as a browser would."""
    reader = writer = None
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            writer.write(request)
            try:
                status_line, keep_open = await _read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                errors.append(repr(exc))
                writer.close()
                reader = writer = None
                continue
            latencies.append(time.perf_counter() - started)
            if not status_line.split(b" ")[1].startswith(b"2"):
                errors.append(status_line)
            if not keep_open:
                writer.close()
                reader = writer = None
    finally:
        if writer is not None:
            writer.close()


def _request_bytes(parts, method, headers, body):
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    payload = body.encode() if isinstance(body, str) else (body or b"")
    if payload:
        lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _load(url, concurrency, seconds, headers, method, body):
    parts = urlsplit(url)
    # A list of header dicts: connection i sends headers[i % len] (one user each).
    each = headers if isinstance(headers, list) else [headers]
    requests = [_request_bytes(parts, method, h, body) for h in each]

    latencies, errors = [], []
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *[
            _connection(
                parts.hostname,
                parts.port,
                requests[index % len(requests)],
                stop_at,
                latencies,
                errors,
            )
            for index in range(concurrency)
        ]
    )
    elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))
    return ordered[index]


def load(
    url,
    *,
    concurrency=32,
    seconds=5.0,
    headers=None,
    method="GET",
    body=None,
    warmup=2.0,
):
    """Drive ``url`` with ``concurrency`` keep-alive connections for ``seconds``.

    Answers ``{"rps", "p50_ms", "p99_ms", "requests", "errors"}``; a non-2xx answer
    counts as an error.
    """
    if warmup:
        asyncio.run(_load(url, concurrency, warmup, headers, method, body))
    latencies, errors, elapsed = asyncio.run(
        _load(url, concurrency, seconds, headers, method, body)
    )
    return _figures(latencies, errors, elapsed)


def _figures(latencies, errors, elapsed):
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "requests": len(latencies),
        "errors": len(errors),
    }


def load_rounds(loads, *, rounds=4, seconds=2.0, concurrency=32, warmup=1.0):
    """Drive several URLs in turns: ``rounds`` rounds, each running every load of
    ``loads`` (``{name: {"url", "method", "body", "headers"}}``) for ``seconds``.

    This machine's speed drifts by as much as twice within minutes; measured in
    turns, every route sees the same drift, so their ratios hold. Answers
    ``{name: figures}`` as :func:`load` does, over all rounds.
    """
    collected = {name: ([], [], 0.0) for name in loads}
    for round_index in range(rounds):
        for name, spec in loads.items():
            args = (
                spec["url"],
                concurrency,
                spec.get("headers"),
                spec.get("method", "GET"),
                spec.get("body"),
            )
            if round_index == 0 and warmup:
                asyncio.run(_load(args[0], args[1], warmup, *args[2:]))
            latencies, errors, elapsed = asyncio.run(
                _load(args[0], args[1], seconds, *args[2:])
            )
            done, failed, total = collected[name]
            collected[name] = (done + latencies, failed + errors, total + elapsed)
    return {name: _figures(*found) for name, found in collected.items()}
