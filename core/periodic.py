"""One registry of periodic jobs, run by celery beat or by an in-process scheduler.

Apps call :func:`register` from ``AppConfig.ready`` with the name of a Celery task
and its interval. In service mode the beat scheduler (:mod:`core.beat`) reads the
registry; in the embedded mode :func:`start_embedded_scheduler` runs the same tasks
on threads inside the server process.
"""

import logging
import threading
import time
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    every: float

    def beat_entry(self):
        return {"task": self.task, "schedule": self.every}


_jobs = {}


def register(name, task, every):
    """Schedule Celery task ``task`` every ``every`` seconds under ``name``."""
    if every <= 0:
        raise ValueError(f"Periodic job {name} needs a positive interval")
    _jobs[name] = PeriodicJob(name=name, task=task, every=float(every))


def unregister(name):
    _jobs.pop(name, None)


def jobs():
    return list(_jobs.values())


def beat_schedule():
    return {job.name: job.beat_entry() for job in _jobs.values()}


def _task(name):
    """The Celery task called ``name``, importing the apps' ``tasks`` modules the
    first time: outside a worker nothing else imports them."""
    from config.celery import app

    if name not in app.tasks:
        app.autodiscover_tasks(force=True)
    return app.tasks[name]


def run_job(job):
    """Run one job in this process; answers True when it succeeded."""
    started = time.perf_counter()
    result = _task(job.task).apply()
    elapsed = (time.perf_counter() - started) * 1000
    if result.failed():
        logger.error(
            "Periodic job %s failed after %.0fms: %r", job.name, elapsed, result.result
        )
        return False
    logger.debug("Periodic job %s done in %.0fms", job.name, elapsed)
    return True


class EmbeddedScheduler:
    """A daemon thread per job that runs it, then sleeps for its interval.

    A slow job delays only its own next run. Runs do not overlap for one job.
    """

    def __init__(self, job_list):
        self.job_list = job_list
        self.stopping = threading.Event()
        self.threads = []

    def start(self):
        for job in self.job_list:
            thread = threading.Thread(
                target=self._loop, args=(job,), name=f"periodic:{job.name}", daemon=True
            )
            thread.start()
            self.threads.append(thread)
        logger.info("Embedded scheduler started with %d jobs", len(self.job_list))

    def _loop(self, job):
        while not self.stopping.wait(job.every):
            try:
                run_job(job)
            except Exception:
                logger.exception("Periodic job %s crashed", job.name)

    def stop(self, timeout=5):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout)


_scheduler = None
_scheduler_lock = threading.Lock()


def start_embedded_scheduler():
    """Start the in-process scheduler once per process."""
    global _scheduler
    with _scheduler_lock:
        if _scheduler is None:
            _scheduler = EmbeddedScheduler(jobs())
            _scheduler.start()
    return _scheduler
