"""Jobs survive a worker crash: a real Celery worker is killed mid-job.

Service mode only (a Redis broker and PostgreSQL that the worker process shares
with the test). The worker listens on a queue of its own, so that no other
worker on the same Redis can take these jobs.
"""

import os
import signal
import time
from pathlib import Path

import pytest

from mlsignals import tasks
from mlsignals.models import JobStatus, RetrainJob, SignalModel
from mlsignals.services import jobs, registry, training
from trading.market.symbols import get_spec

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT")


@pytest.fixture
def models(db):
    # The worker reads the symbols from the database, which a transactional test
    # before this one may have flushed.
    from trading.catalog import ensure_default_symbols
    from trading.market.symbols import clear_cache
    from trading.models import Symbol

    ensure_default_symbols(Symbol)
    clear_cache()
    available = [s for s in SYMBOLS if _known(s)]
    return [
        training.train_model(get_spec(symbol), "1h", candles=4000)
        for symbol in available
    ]


def _known(symbol):
    try:
        get_spec(symbol)
    except Exception:  # noqa: BLE001 - a symbol the catalogue lacks
        return False
    return True


def wait_for(predicate, seconds, log):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out; worker log:\n" + log.read_text()[-3000:])


def test_a_job_whose_worker_process_is_killed_is_retried_and_resumes(worker, models):
    queue, process, log = worker
    job = registry.start_retrain()
    assert len(job.targets) >= 3

    tasks.retrain_models.apply_async(args=[str(job.id)], queue=queue)
    # When the first model is done, kill -9 the process running the job.
    running = wait_for(
        lambda: RetrainJob.objects.filter(pk=job.pk, done__gte=1).first(), 90, log
    )
    assert running.status == JobStatus.RUNNING and running.done < len(job.targets)
    pid = int(running.worker.rpartition(":")[2])
    assert pid != process.pid
    os.kill(pid, signal.SIGKILL)

    finished = wait_for(
        lambda: RetrainJob.objects.filter(
            pk=job.pk, status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED]
        ).first(),
        120,
        log,
    )
    assert finished.status == JobStatus.SUCCEEDED, finished.error
    assert finished.attempts == 2
    assert int(finished.worker.rpartition(":")[2]) != pid
    assert sorted(entry["model"] for entry in finished.results) == sorted(job.targets)
    # Resumed, not redone: one new version per model.
    assert SignalModel.objects.filter(retrain_job=job).count() == len(job.targets)


def test_a_job_whose_whole_worker_died_is_marked_failed_by_the_sweeper(
    worker, models, settings
):
    queue, process, log = worker
    job = registry.start_retrain()

    tasks.retrain_models.apply_async(args=[str(job.id)], queue=queue)
    wait_for(lambda: RetrainJob.objects.filter(pk=job.pk, done__gte=1).first(), 90, log)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)

    # The broker keeps the message unacknowledged until its visibility timeout;
    # meanwhile the heartbeat stops and the sweeper fails the job.
    settings.ML_JOB_STALE_SECONDS = 1
    time.sleep(1.5)
    swept = jobs.sweep()

    job.refresh_from_db()
    assert swept == 1
    assert job.status == JobStatus.FAILED and "stopped answering" in job.error
