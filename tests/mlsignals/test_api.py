"""The /api/ml routes end to end, on the simulated market."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command

from mlsignals.models import Signal, SignalModel
from mlsignals.services import signals, training
from mlsignals.texts import describe
from trading.market.symbols import get_spec

pytestmark = pytest.mark.django_db

ML = "/api/ml"


@pytest.fixture
def trained(db):
    """A BTCUSDT 1h model, trained as the demo does (fewer candles)."""
    return training.train_model(get_spec("BTCUSDT"), "1h", candles=2000)


def test_indicators_answer_latest_values_readings_and_chart_series(auth_client):
    response = auth_client.get(f"{ML}/indicators/BTCUSDT?timeframe=1h&limit=50")

    assert response.status_code == 200
    body = response.json()
    assert body["symbol"] == "BTCUSDT" and body["timeframe"] == "1h"
    assert 0 <= body["values"]["rsi"] <= 100
    assert set(body["values"]["macd"]) == {"macd", "signal", "histogram"}
    assert body["readings"]["macd"] in ("bullish", "bearish")
    assert body["readings"]["ema"] in ("above", "below")
    ema200 = body["series"]["ema200"]
    assert len(ema200) == 50
    assert ema200[1]["time"] - ema200[0]["time"] == 3600


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("indicators/NOPEUSDT", "symbol"),
        ("indicators/BTCUSDT?timeframe=7h", "timeframe"),
        ("indicators/BTCUSDT?limit=0", "limit"),
        ("signals/NOPEUSDT", "symbol"),
        ("amd/BTCUSDT?timeframe=2m", "timeframe"),
        ("predictions/BTCUSDT?horizon=500", "horizon"),
        ("overlays/NOPEUSDT", "symbol"),
    ],
)
def test_unknown_symbols_and_bad_parameters_are_422_naming_the_field(
    auth_client, path, field
):
    response = auth_client.get(f"{ML}/{path}")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["details"]


def test_the_engine_routes_require_a_token(api_client):
    response = api_client.get(f"{ML}/signals/BTCUSDT")

    assert response.status_code == 401


def test_a_signal_is_computed_stored_once_and_served_from_cache(auth_client, trained):
    first = auth_client.get(f"{ML}/signals/BTCUSDT")
    again = auth_client.get(f"{ML}/signals/BTCUSDT?timeframe=1h")

    assert first.status_code == 200
    body = first.json()
    assert again.json() == body
    assert body["timeframe"] == "1h"
    assert body["signal"] in ("BUY", "SELL", "HOLD")
    assert 0 <= body["strength"] <= 100
    assert 0.5 <= body["confidence"] <= 1
    assert body["amdPhase"] in ("ACCUMULATION", "MANIPULATION", "DISTRIBUTION")
    assert body["model"]["id"] == str(trained.id)
    if body["signal"] == "BUY":
        assert body["stopLoss"] < body["entry"] < body["takeProfit"]
    assert Signal.objects.filter(symbol="BTCUSDT").count() == 1


def test_a_symbol_without_a_model_gets_one_trained_from_market_data(auth_client):
    response = auth_client.get(f"{ML}/signals/ETHUSDT?timeframe=4h")

    assert response.status_code == 200
    model = SignalModel.objects.get(symbol="ETHUSDT", timeframe="4h")
    assert model.is_active and model.version == 1
    assert model.metrics["outOfSample"]["samples"] > 100
    assert len(model.params["coefficients"]) == len(model.params["features"])


def test_batch_signals_take_up_to_twenty_symbols(auth_client, trained):
    ok = auth_client.post(
        f"{ML}/signals/batch", {"symbols": ["BTCUSDT"]}, format="json"
    )
    too_many = auth_client.post(
        f"{ML}/signals/batch", {"symbols": ["BTCUSDT"] * 21}, format="json"
    )
    unknown = auth_client.post(
        f"{ML}/signals/batch", {"symbols": ["BTCUSDT", "NOPE"]}, format="json"
    )

    assert ok.status_code == 200
    assert [row["symbol"] for row in ok.json()["data"]] == ["BTCUSDT"]
    assert (
        too_many.status_code == 422 and "symbols" in too_many.json()["error"]["details"]
    )
    assert unknown.status_code == 422


def test_history_is_paginated_and_judges_signals_once_the_horizon_passed(
    auth_client, trained
):
    auth_client.get(f"{ML}/signals/BTCUSDT")
    stored = Signal.objects.get(symbol="BTCUSDT")
    pending = auth_client.get(f"{ML}/signals/BTCUSDT/history").json()

    judged = signals.evaluate_due(now=stored.evaluate_at + timedelta(minutes=1))
    done = auth_client.get(f"{ML}/signals/BTCUSDT/history?limit=5").json()

    assert pending["pagination"]["total"] == 1
    assert pending["data"][0]["outcome"] == "PENDING"
    assert pending["data"][0]["correct"] is None
    assert judged == 1
    row = done["data"][0]
    assert row["outcome"] in ("RIGHT", "WRONG")
    assert row["correct"] == (row["outcome"] == "RIGHT")
    assert row["exitPrice"] is not None
    assert done["pagination"]["limit"] == 5


def test_amd_speaks_spanish_by_default_and_english_on_request(auth_client):
    spanish = auth_client.get(f"{ML}/amd/BTCUSDT")
    english = auth_client.get(
        f"{ML}/amd/BTCUSDT", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9,es;q=0.5"
    )

    assert spanish.status_code == 200
    body = spanish.json()
    assert body["phase"] in ("ACCUMULATION", "MANIPULATION", "DISTRIBUTION")
    assert 0 < body["confidence"] < 1
    assert body["nextPhaseEstimate"] in (
        "ACCUMULATION",
        "MANIPULATION",
        "DISTRIBUTION",
    )
    bias = {"BULLISH": 1, "BEARISH": -1}.get(body["direction"], 0)
    assert (body["description"], body["recommendation"]) == describe(
        body["phase"], bias, "es"
    )
    assert english.json()["phase"] == body["phase"]
    assert (
        english.json()["description"],
        english.json()["recommendation"],
    ) == describe(body["phase"], bias, "en")


def test_predictions_report_their_walk_forward_error_against_naive(auth_client):
    response = auth_client.get(f"{ML}/predictions/BTCUSDT?horizon=6")

    assert response.status_code == 200
    body = response.json()
    assert len(body["path"]) == 6
    first = body["path"][0]
    assert first["lower95"] <= first["lower80"] <= first["upper80"] <= first["upper95"]
    evaluation = body["evaluation"]
    assert evaluation["origins"] > 100
    if evaluation["beatsNaive"]:
        assert "beats the naive" in evaluation["verdict"]
    else:
        assert "does not beat the naive" in evaluation["verdict"]


def test_overlays_answer_chart_ready_levels_markers_zones_and_bands(
    auth_client, trained
):
    auth_client.get(f"{ML}/signals/BTCUSDT")

    everything = auth_client.get(f"{ML}/overlays/BTCUSDT?limit=100").json()
    levels = auth_client.get(f"{ML}/overlays/BTCUSDT/levels").json()
    markers = auth_client.get(f"{ML}/overlays/BTCUSDT/signals").json()
    zones = auth_client.get(f"{ML}/overlays/BTCUSDT/amd").json()
    bands = auth_client.get(f"{ML}/overlays/BTCUSDT/predictions?horizon=5").json()
    batch = auth_client.post(
        f"{ML}/overlays/batch", {"symbols": ["BTCUSDT", "ETHUSDT"]}, format="json"
    )

    assert set(everything) >= {"levels", "signals", "amd", "predictions"}
    assert levels["levels"] and {"price", "touches", "strength"} <= set(
        levels["levels"][0]
    )
    assert markers["markers"][0]["shape"] in ("arrowUp", "arrowDown", "circle")
    assert zones["zones"][0]["startTime"] <= zones["zones"][-1]["endTime"]
    assert len(bands["bands"]["upper95"]) == 5
    assert isinstance(bands["bands"]["path"][0]["time"], int)
    assert batch.status_code == 200
    assert [o["symbol"] for o in batch.json()["data"]] == ["BTCUSDT", "ETHUSDT"]


def test_health_reports_models_and_the_data_source(api_client, trained):
    body = api_client.get(f"{ML}/health").json()
    link = api_client.get(f"{ML}/connection").json()
    platform = api_client.get("/api/health").json()

    assert body["status"] == "healthy"
    assert body["modelsLoaded"] == 1 and body["models"] == ["BTCUSDT 1h"]
    assert body["dataSource"]["connected"] is True
    assert link["connected"] is True and link["dataSource"] == "simulated"
    assert platform["services"]["mlEngine"] == "healthy"


def test_health_says_no_model_is_loaded_yet(api_client):
    body = api_client.get(f"{ML}/health").json()

    assert body["modelsLoaded"] == 0 and body["lastTraining"] is None
    assert body["lastRun"] is None


def test_the_training_command_registers_a_new_version(db, capsys):
    call_command("train_signal_models", "--symbols", "SOLUSDT", "--candles", "1500")
    call_command("train_signal_models", "--symbols", "SOLUSDT", "--candles", "1500")

    models = SignalModel.objects.filter(symbol="SOLUSDT").order_by("version")
    assert [(m.version, m.is_active) for m in models] == [(1, False), (2, True)]
    assert "out-of-sample AUC" in capsys.readouterr().out


def test_a_new_signal_is_published_to_the_symbols_feed(
    auth_client, trained, django_capture_on_commit_callbacks
):
    from channels.layers import get_channel_layer

    from realtime import events

    # Listen on the loop the feed publishes from (pub/sub layers are per loop).
    layer = get_channel_layer()
    channel = events.run_on_feed_loop(layer.new_channel())
    events.run_on_feed_loop(layer.group_add(events.symbol_group("BTCUSDT"), channel))

    with django_capture_on_commit_callbacks(execute=True):
        body = auth_client.get(f"{ML}/signals/BTCUSDT").json()
    received = events.run_on_feed_loop(layer.receive(channel))
    data = json.loads(received["json"])

    assert received["event"] == "signal"
    assert data["symbol"] == "BTCUSDT"
    assert data["signal"] == body["signal"]
    assert data["strength"] == body["strength"]
