"""POST /api/ml/backtest and GET /api/ml/backtest/:jobId on the simulated market.

The jobs run on the embedded thread pool (or a worker in service mode), which
reads committed rows: these tests use transactional databases.
"""

import time
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from mlsignals.models import BacktestRun

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("job_runner"),
]

URL = "/api/ml/backtest"
BODY = {
    "symbol": "BTCUSDT",
    "strategy": "MEAN_REVERSION",
    "startDate": "2024-01-01",
    "endDate": "2024-01-31",
    "initialCapital": 10000,
    "parameters": {"rsiPeriod": 14, "overbought": 70, "oversold": 30},
}


def post(client, **changes):
    return client.post(URL, {**BODY, **changes}, format="json")


def until_final(client, job_id, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = client.get(f"{URL}/{job_id}")
        # The in-memory SQLite of the embedded test run locks whole tables: a
        # read that meets the job's write fails and is simply tried again.
        body = response.json()
        if response.status_code == 200 and body["status"] in ("SUCCEEDED", "FAILED"):
            return body
        time.sleep(0.25)
    raise AssertionError(f"job {job_id} did not finish: {body}")


def test_it_answers_the_results_when_they_are_ready_within_the_wait(auth_client):
    response = post(auth_client)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "SUCCEEDED" and body["attempts"] == 1
    results = body["results"]
    assert results["candles"] == 31 * 24
    assert results["firstCandle"] == "2024-01-01T00:00:00Z"
    assert results["lastCandle"] == "2024-01-31T23:00:00Z"
    assert results["totalTrades"] == len(results["trades"]) > 0
    profits = sum(Decimal(str(trade["pnl"])) for trade in results["trades"])
    final = Decimal(str(results["finalEquity"]))
    assert final == Decimal(10000) + profits
    assert Decimal(str(results["totalReturn"])) == ((final - 10000) / 10000).quantize(
        Decimal("1e-6")
    )
    assert 0 <= results["maxDrawdown"] < 1 and 0 <= results["winRate"] <= 1
    assert results["equity"][0]["time"] == results["firstCandle"]
    assert Decimal(str(results["equity"][-1]["equity"])) == final
    first = results["trades"][0]
    assert first["exitReason"] in ("SIGNAL", "END")
    assert first["entryTime"] > results["firstCandle"]
    assert body["settings"]["commission"] == 0.001


def test_the_same_request_gives_the_same_figures(auth_client):
    first = post(auth_client).json()["results"]
    again = post(auth_client).json()["results"]

    assert first == again


def test_a_run_longer_than_the_wait_answers_202_and_is_polled(auth_client, settings):
    settings.ML_BACKTEST_WAIT_SECONDS = 0

    response = post(auth_client, strategy="TREND_FOLLOWING", parameters={})

    assert response.status_code == 202
    job_id = response.json()["jobId"]
    assert response["Location"] == f"/api/ml/backtest/{job_id}"
    assert response.json()["results"] is None
    body = until_final(auth_client, job_id)
    assert body["status"] == "SUCCEEDED", body["error"]
    assert body["parameters"] == {"fastPeriod": 12, "slowPeriod": 26}


def test_a_user_sees_only_their_own_backtests(auth_client, user):
    job_id = post(auth_client).json()["jobId"]
    other = User.objects.create_user("other@example.com", "a-Strong-pass-43")
    from accounts.services.sessions import start_session

    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {start_session(other)['accessToken']}"
    )

    assert client.get(f"{URL}/{job_id}").status_code == 404
    assert client.get(URL).json()["data"] == []
    mine = auth_client.get(URL).json()["data"]
    assert [run["jobId"] for run in mine] == [job_id]
    assert BacktestRun.objects.get(pk=job_id).user == user


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"endDate": "2023-12-01"}, "endDate", "INVALID"),
        ({"startDate": "2010-01-01", "endDate": "2010-03-01"}, "startDate", "NO_DATA"),
        ({"startDate": "2099-01-01", "endDate": "2099-02-01"}, "startDate", "NO_DATA"),
        (
            {"timeframe": "1m", "endDate": "2024-12-31"},
            "endDate",
            "RANGE_TOO_LARGE",
        ),
        ({"parameters": {"rsiPeriod": 0}}, "parameters.rsiPeriod", "OUT_OF_RANGE"),
        ({"parameters": {"window": 3}}, "parameters.window", "UNKNOWN_PARAMETER"),
        ({"strategy": "ML_SIGNAL", "parameters": {}}, "strategy", "NO_MODEL"),
        (
            {"startDate": "2024-01-01T00:00:00Z", "endDate": "2024-01-01T05:00:00Z"},
            "startDate",
            "NOT_ENOUGH_DATA",
        ),
    ],
)
def test_bad_ranges_and_parameters_are_422_naming_the_field(
    auth_client, changes, field, reason
):
    response = post(auth_client, **changes)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["details"][field][0]["code"] == reason
    assert not BacktestRun.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"strategy": "GUESSING"}, "strategy"),
        ({"startDate": "yesterday"}, "startDate"),
        ({"initialCapital": 0}, "initialCapital"),
        ({"commission": 0.5}, "commission"),
        ({"stopLoss": -0.1}, "stopLoss"),
        ({"positionSize": 0}, "positionSize"),
        ({"timeframe": "7h"}, "timeframe"),
    ],
)
def test_bad_fields_are_422(auth_client, changes, field):
    response = post(auth_client, **changes)

    assert response.status_code == 422
    assert field in response.json()["error"]["details"]


def test_stops_and_shorts_reach_the_engine(auth_client):
    body = post(
        auth_client,
        strategy="BOLLINGER_REVERSION",
        parameters={},
        stopLoss=0.01,
        takeProfit=0.02,
        allowShort=True,
        positionSize=0.5,
    ).json()

    trades = body["results"]["trades"]
    assert {trade["side"] for trade in trades} == {"LONG", "SHORT"}
    assert {"STOP_LOSS", "TAKE_PROFIT"} & {trade["exitReason"] for trade in trades}
    assert body["settings"]["allowShort"] is True


def test_backtests_require_a_token(api_client):
    assert api_client.post(URL, BODY, format="json").status_code == 401
