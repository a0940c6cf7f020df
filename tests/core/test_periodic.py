import threading

import pytest
from celery import shared_task

from config.celery import app
from core import periodic

calls = []
ran = threading.Event()


@shared_task(name="tests.record_tick")
def record_tick():
    calls.append(1)
    ran.set()
    return len(calls)


@shared_task(name="tests.explode")
def explode():
    raise RuntimeError("boom")


@pytest.fixture
def tick_job():
    periodic.register("tests.tick", "tests.record_tick", 0.05)
    yield
    periodic.unregister("tests.tick")


def test_registered_jobs_feed_the_beat_schedule(tick_job):
    schedule = periodic.beat_schedule()

    assert schedule["tests.tick"] == {"task": "tests.record_tick", "schedule": 0.05}
    assert "core.clear_expired_sessions" in schedule


def test_the_beat_scheduler_installs_the_registry(transactional_db):
    from django_celery_beat.models import PeriodicTask

    from core.beat import RegistryScheduler

    periodic.register("tests.half-minute", "tests.record_tick", 30)
    try:
        RegistryScheduler(app=app, lazy=False)
    finally:
        periodic.unregister("tests.half-minute")

    stored = PeriodicTask.objects.get(name="tests.half-minute")
    assert stored.task == "tests.record_tick"
    assert (stored.interval.every, stored.interval.period) == (30, "seconds")
    assert PeriodicTask.objects.filter(name="core.clear_expired_sessions").exists()


def test_a_job_needs_a_positive_interval():
    with pytest.raises(ValueError):
        periodic.register("tests.never", "tests.record_tick", 0)


def test_the_embedded_scheduler_runs_jobs_repeatedly(tick_job, db):
    calls.clear()
    ran.clear()
    scheduler = periodic.EmbeddedScheduler(
        [job for job in periodic.jobs() if job.name == "tests.tick"]
    )
    scheduler.start()
    try:
        assert ran.wait(2)
        deadline = threading.Event()
        deadline.wait(0.3)
    finally:
        scheduler.stop()

    assert len(calls) >= 3


def test_a_failing_job_is_logged_not_raised(caplog):
    job = periodic.PeriodicJob("tests.explode", "tests.explode", 60)

    assert periodic.run_job(job) is False
    assert "tests.explode failed" in caplog.text


@pytest.mark.django_db
def test_the_session_cleanup_job_deletes_only_expired_sessions():
    from datetime import timedelta

    from django.contrib.sessions.models import Session

    from core.tasks import clear_expired_sessions
    from core.time import utc_now

    Session.objects.create(
        session_key="old", session_data="", expire_date=utc_now() - timedelta(days=1)
    )
    Session.objects.create(
        session_key="new", session_data="", expire_date=utc_now() + timedelta(days=1)
    )

    assert clear_expired_sessions() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]


def test_the_embedded_scheduler_finds_tasks_no_module_has_imported(db):
    """The server process imports no app's tasks module by itself."""
    import sys

    from config.celery import app

    app.tasks.pop("core.clear_expired_sessions", None)
    sys.modules.pop("core.tasks", None)
    job = periodic.PeriodicJob(
        "core.clear_expired_sessions", "core.clear_expired_sessions", 60
    )

    assert periodic.run_job(job) is True
