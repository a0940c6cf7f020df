import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection

from mlsignals.services import analysis


@pytest.fixture(autouse=True)
def fresh_ml_cache(monkeypatch):
    """Each test reads its own cache entries (a test's rows do not outlive it).

    A new key namespace instead of ``cache.clear()``: in service mode the cache is
    a Redis database other test runs may share.
    """
    monkeypatch.setattr(analysis, "CACHE_VERSION", uuid.uuid4().hex[:12])
    cache.delete("ml:health:status")


ROOT = Path(__file__).resolve().parents[2]
SERVICE_MODE = bool(django_settings.REDIS_URL)


def database_url():
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(folder):
    """A Celery worker process on a fresh queue: (queue, process, log path)."""
    queue = f"test-jobs-{uuid.uuid4().hex[:8]}"
    log = folder / f"{queue}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": django_settings.REDIS_URL,
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker"]
    command += ["-Q", queue, "-n", f"{queue}@%h", "--pool", "prefork"]
    command += ["--concurrency", "1", "--without-gossip", "--without-mingle"]
    process = subprocess.Popen(
        [*command, "--loglevel", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            stop_worker(process)
            raise RuntimeError("worker did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.1)
    return queue, process, log


def stop_worker(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def worker(tmp_path, settings, transactional_db):
    """A worker of this test's own, which the test may kill."""
    queue, process, log = start_worker(tmp_path)
    # Jobs this test dispatches go to this worker only.
    settings.ML_JOBS_QUEUE = queue
    yield queue, process, log
    stop_worker(process)


@pytest.fixture(scope="module")
def shared_worker(tmp_path_factory, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        queue, process, log = start_worker(tmp_path_factory.mktemp("worker"))
    yield queue, process, log
    stop_worker(process)


@pytest.fixture
def job_runner(request, settings):
    """Service mode: a real worker runs the jobs a test starts (embedded mode
    runs them on its own thread pool)."""
    if not SERVICE_MODE:
        return None
    queue, process, log = request.getfixturevalue("shared_worker")
    settings.ML_JOBS_QUEUE = queue
    return queue, process, log


@pytest.fixture(autouse=True)
def _fresh_embedded_job_pool():
    """Each test gets the embedded job threads to itself: a long job an earlier
    test left running (a retrain of every model) must not hold the next test's
    job in the queue past its wait."""
    yield
    from mlsignals.services import jobs

    with jobs._pool_lock:
        pool, jobs._pool = jobs._pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
