"""Running background jobs (backtests, retraining) the same way in both modes.

In service mode a job is a Celery task on a worker: acks late and rejected
when its worker process dies (settings), so the broker hands it to another
worker. When embedded, Celery runs tasks eagerly inside the caller; a job then
runs on a small thread pool of this process instead, so that a request can
still answer 202 while a long job goes on.

A job row is the truth about a job. A worker *claims* it before running: it
must be pending, or running under an attempt that is dead (a pid of this host
that no longer exists, or a heartbeat older than ``STALE_SECONDS``). A job that
already used ``MAX_ATTEMPTS`` is marked failed instead of run again, so a job
that kills its worker cannot loop forever. The sweeper marks failed the running
jobs whose heartbeat stopped, for the case where no redelivery comes.
"""

import logging
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction

from core.time import utc_now
from mlsignals.models import BacktestRun, JobStatus, RetrainJob

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
POLL_SECONDS = 0.05

_pool = None
_pool_lock = threading.Lock()


def stale_seconds():
    return settings.ML_JOB_STALE_SECONDS


def worker_id():
    return f"{socket.gethostname()}:{os.getpid()}"


def embedded():
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))


def _executor():
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=settings.ML_EMBEDDED_JOB_THREADS,
                thread_name_prefix="ml-job",
            )
    return _pool


def _run_here(task_name, job_id):
    from config.celery import app

    try:
        app.tasks[task_name].apply(args=[job_id])
    finally:
        # This thread's connection must not outlive the job.
        connection.close()


# TODO: embedded mode does not resume the jobs that were pending or running when
# the server stopped; the sweeper marks them failed (ML_JOB_PENDING_SECONDS,
# ML_JOB_STALE_SECONDS) and the user runs them again.
def dispatch(task, job_id):
    """Start the job: a Celery worker takes it, or (embedded) a thread here.

    Answers a future when the job runs here, None when it went to the broker.
    Call it once the job row is committed (``transaction.on_commit``).
    """
    job_id = str(job_id)
    if embedded():
        return _executor().submit(_run_here, task.name, job_id)
    task.apply_async(args=[job_id], queue=settings.ML_JOBS_QUEUE or None)
    return None


def wait(model, job_id, seconds, future=None):
    """The job row once final, or as it is after ``seconds``."""
    deadline = time.monotonic() + seconds
    if future is not None:
        try:
            future.result(timeout=seconds)
        except Exception:  # noqa: BLE001 - a timeout, or the job's own failure
            pass
        return model.objects.get(pk=job_id)
    while True:
        job = model.objects.get(pk=job_id)
        if job.is_final or time.monotonic() >= deadline:
            return job
        time.sleep(POLL_SECONDS)


def _alive_here(worker):
    """Whether ``worker`` names a live process of this host; None if elsewhere."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim(model, job_id):
    """Mark the job running under this process; None when it must not run."""
    now = utc_now()
    with transaction.atomic():
        job = model.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            logger.warning("Job %s does not exist", job_id)
            return None
        if job.is_final:
            logger.info("Job %s is already %s; nothing to do", job.id, job.status)
            return None
        if job.status == JobStatus.RUNNING:
            alive = _alive_here(job.worker)
            stale = job.heartbeat_at is None or job.heartbeat_at < now - timedelta(
                seconds=stale_seconds()
            )
            if alive or (alive is None and not stale):
                logger.info("Job %s is running on %s; not taken", job.id, job.worker)
                return None
            logger.warning(
                "Job %s: attempt %d on %s was lost; taking it over",
                job.id,
                job.attempts,
                job.worker,
            )
        if job.attempts >= MAX_ATTEMPTS:
            job.status = JobStatus.FAILED
            job.error = f"Gave up after {job.attempts} attempts whose worker was lost."
            job.finished_at = now
            job.save(update_fields=["status", "error", "finished_at", "updated_at"])
            logger.error("Job %s failed: %s", job.id, job.error)
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.worker = worker_id()
        job.started_at = now
        job.heartbeat_at = now
        job.save(
            update_fields=[
                "status",
                "attempts",
                "worker",
                "started_at",
                "heartbeat_at",
                "updated_at",
            ]
        )
    logger.info("Job %s claimed by %s (attempt %d)", job.id, job.worker, job.attempts)
    return job


def touch(job, **fields):
    """Record progress (and that the worker is alive)."""
    fields["heartbeat_at"] = utc_now()
    type(job).objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def finish(job, status, error="", **fields):
    """Store the outcome, unless the job was meanwhile marked failed."""
    now = utc_now()
    updated = (
        type(job)
        .objects.filter(pk=job.pk, status=JobStatus.RUNNING, worker=job.worker)
        .update(status=status, error=error, finished_at=now, heartbeat_at=now, **fields)
    )
    if not updated:
        logger.warning("Job %s was taken from %s; outcome dropped", job.id, job.worker)
    return bool(updated)


def sweep(now=None):
    """Mark failed the running jobs whose heartbeat stopped, and the pending ones
    no worker ever started; answers how many.

    A stale heartbeat fails the job even if its process still exists: a worker
    that makes no progress for that long is stuck, and its late outcome would be
    dropped by :func:`finish`.
    """
    now = now or utc_now()
    cutoff = now - timedelta(seconds=stale_seconds())
    never = now - timedelta(seconds=settings.ML_JOB_PENDING_SECONDS)
    swept = 0
    for model in (BacktestRun, RetrainJob):
        swept += model.objects.filter(
            status=JobStatus.PENDING, created_at__lt=never
        ).update(
            status=JobStatus.FAILED,
            error="No worker started the job.",
            finished_at=now,
        )
        for job in model.objects.filter(
            status=JobStatus.RUNNING, heartbeat_at__lt=cutoff
        ):
            updated = model.objects.filter(
                pk=job.pk, status=JobStatus.RUNNING, heartbeat_at=job.heartbeat_at
            ).update(
                status=JobStatus.FAILED,
                error=f"Worker {job.worker} stopped answering during attempt "
                f"{job.attempts}.",
                finished_at=now,
            )
            if updated:
                swept += 1
                logger.error(
                    "Job %s marked failed: no heartbeat from %s since %s",
                    job.id,
                    job.worker,
                    job.heartbeat_at,
                )
    return swept
