"""The model registry, retraining jobs and the recovery of lost jobs."""

import os
import subprocess
import time
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from core import periodic
from core.time import utc_now
from mlsignals import tasks
from mlsignals.models import BacktestRun, JobStatus, RetrainJob, SignalModel
from mlsignals.services import jobs, training
from trading.market.symbols import get_spec

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("job_runner"),
]

MODELS = "/api/ml/models"
KEY = "signal-logit:BTCUSDT:1h"


@pytest.fixture
def admin_client(db):
    from accounts.services.sessions import start_session

    admin = User.objects.create_superuser("admin@example.com", "a-Strong-pass-44")
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {start_session(admin)['accessToken']}"
    )
    return client


@pytest.fixture
def live(db):
    return training.train_model(get_spec("BTCUSDT"), "1h", candles=2000)


def until_final(client, job_id, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = client.get(f"{MODELS}/retrain/{job_id}")
        # The in-memory SQLite of the embedded test run locks whole tables: a
        # read that meets the job's write fails and is simply tried again.
        body = response.json()
        if response.status_code == 200 and body["status"] in ("SUCCEEDED", "FAILED"):
            return body
        time.sleep(0.25)
    raise AssertionError(f"job {job_id} did not finish: {body}")


def test_the_registry_lists_each_version_with_its_out_of_sample_figures(
    admin_client, live
):
    response = admin_client.get(MODELS)

    assert response.status_code == 200
    (model,) = response.json()["data"]
    assert model["key"] == KEY and model["status"] == "LIVE"
    assert model["kind"] == "statsmodels.Logit" and model["version"] == 1
    assert model["parameters"]["coefficients"] == live.params["coefficients"]
    assert model["trainingWindow"]["candles"] == 2000
    oos = model["outOfSample"]
    assert oos["samples"] > 100
    assert 0 < oos["logLoss"] and 0.5 <= oos["baseline"]["accuracy"] <= 1
    assert oos["baseline"]["logLoss"] == live.metrics["outOfSample"]["baseLogLoss"]


def test_model_management_is_for_admins_only(auth_client, api_client):
    assert auth_client.get(MODELS).status_code == 403
    assert auth_client.post(f"{MODELS}/retrain", {}, format="json").status_code == 403
    assert api_client.get(MODELS).status_code == 401


def test_a_retrained_version_equal_to_the_live_one_is_kept_aside(admin_client, live):
    response = admin_client.post(f"{MODELS}/retrain", {"models": [KEY]}, format="json")

    assert response.status_code == 202
    job_id = response.json()["jobId"]
    assert response["Location"] == f"{MODELS}/retrain/{job_id}"
    body = until_final(admin_client, job_id)
    assert body["status"] == "SUCCEEDED"
    assert body["progress"] == {"done": 1, "total": 1, "fraction": 1}
    (result,) = body["results"]
    # Fitted on the same candles, it cannot be better: the live one stays.
    assert result["status"] == "KEPT" and result["version"] == 2
    assert result["candidateLogLoss"] == pytest.approx(result["liveLogLoss"])
    live.refresh_from_db()
    assert live.is_active
    versions = {
        m["version"]: m["status"] for m in admin_client.get(MODELS).json()["data"]
    }
    assert versions == {1: "LIVE", 2: "REJECTED"}


def test_a_version_that_beats_the_live_one_out_of_sample_goes_live(admin_client, live):
    # Given a live version that always predicts a rise with 95% confidence.
    SignalModel.objects.filter(pk=live.pk).update(
        params={**live.params, "intercept": 3.0}
    )

    job_id = admin_client.post(f"{MODELS}/retrain", {}, format="json").json()["jobId"]
    body = until_final(admin_client, job_id)

    (result,) = body["results"]
    assert result["status"] == "PROMOTED"
    assert result["candidateLogLoss"] < result["liveLogLoss"]
    assert result["comparedCandles"] >= 100
    new = SignalModel.objects.get(version=2)
    assert new.is_active and new.promoted_at and new.retrain_job_id is not None
    live.refresh_from_db()
    assert not live.is_active and live.promoted_at
    statuses = {
        m["version"]: m["status"] for m in admin_client.get(MODELS).json()["data"]
    }
    assert statuses == {1: "RETIRED", 2: "LIVE"}


def test_unknown_models_are_422_and_unknown_jobs_404(admin_client, live):
    response = admin_client.post(
        f"{MODELS}/retrain", {"models": ["signal-logit:NOPE:1h"]}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["error"]["details"]["models"][0]["code"] == "UNKNOWN_MODEL"
    missing = admin_client.get(f"{MODELS}/retrain/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


def test_retraining_also_runs_on_a_schedule(live):
    scheduled = {job.name: job for job in periodic.jobs()}

    tasks.retrain_scheduled.apply()

    assert scheduled["mlsignals.retrain_models"].task == "mlsignals.retrain_scheduled"
    job = RetrainJob.objects.get()
    assert job.trigger == "SCHEDULE" and job.status == JobStatus.SUCCEEDED
    assert job.targets == [KEY] and job.done == 1


def dead_pid():
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def stuck_run(user, **fields):
    return BacktestRun.objects.create(
        user=user,
        symbol="BTCUSDT",
        strategy="MEAN_REVERSION",
        timeframe="1h",
        start_at=utc_now() - timedelta(days=30),
        end_at=utc_now() - timedelta(days=1),
        initial_capital=1000,
        parameters={},
        options={"commission": "0.001", "slippage": "0", "positionSize": "1"},
        **fields,
    )


def test_a_job_whose_worker_died_is_taken_over_by_its_redelivery(user):
    import socket

    run = stuck_run(
        user,
        status=JobStatus.RUNNING,
        attempts=1,
        worker=f"{socket.gethostname()}:{dead_pid()}",
        heartbeat_at=utc_now(),
    )

    tasks.run_backtest.apply(args=[str(run.id)])

    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED and run.attempts == 2
    assert run.worker.endswith(f":{os.getpid()}")


def test_a_job_is_not_taken_from_a_worker_that_is_alive(user):
    run = stuck_run(
        user,
        status=JobStatus.RUNNING,
        attempts=1,
        worker="elsewhere:1",
        heartbeat_at=utc_now(),
    )

    tasks.run_backtest.apply(args=[str(run.id)])

    run.refresh_from_db()
    assert run.status == JobStatus.RUNNING and run.attempts == 1


def test_a_job_that_lost_its_worker_too_often_is_failed_not_retried(user):
    run = stuck_run(
        user,
        status=JobStatus.RUNNING,
        attempts=jobs.MAX_ATTEMPTS,
        worker="elsewhere:1",
        heartbeat_at=utc_now() - timedelta(hours=1),
    )

    tasks.run_backtest.apply(args=[str(run.id)])

    run.refresh_from_db()
    assert run.status == JobStatus.FAILED and "Gave up" in run.error


def test_the_sweeper_fails_running_jobs_whose_heartbeat_stopped(user, settings):
    settings.ML_JOB_STALE_SECONDS = 60
    stale = stuck_run(
        user,
        status=JobStatus.RUNNING,
        attempts=1,
        worker="elsewhere:1",
        heartbeat_at=utc_now() - timedelta(minutes=5),
    )
    fresh = stuck_run(
        user,
        status=JobStatus.RUNNING,
        attempts=1,
        worker="elsewhere:2",
        heartbeat_at=utc_now(),
    )

    swept = tasks.sweep_jobs.apply().get()

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert swept == 1
    assert stale.status == JobStatus.FAILED and "elsewhere:1" in stale.error
    assert fresh.status == JobStatus.RUNNING
