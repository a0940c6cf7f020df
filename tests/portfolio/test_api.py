"""/api/portfolio over HTTP: shapes, figures that add up, 422s and 401s."""

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.portfolio.conftest import OPENED, trade
from trading.services.fund_account import get_account


@pytest.fixture
def holder(user):
    """The API user with BTC and ETH bought after the opening."""
    get_account(user)
    trade(user, "BUY", "0.01", OPENED + timedelta(minutes=5))
    trade(user, "BUY", "0.5", OPENED + timedelta(minutes=6), "ETHUSDT")
    return user


def _d(value):
    return Decimal(str(value))


def test_it_answers_the_portfolio_with_holdings_that_add_up(auth_client, holder):
    response = auth_client.get("/api/portfolio")

    assert response.status_code == 200
    body = response.json(parse_float=Decimal)
    holdings = {h["asset"]: h for h in body["holdings"]}
    assert set(holdings) == {"USDT", "BTC", "ETH"}
    for h in holdings.values():
        assert _d(h["value"]) == (_d(h["quantity"]) * _d(h["price"])).quantize(
            Decimal("1e-8")
        )
    total = sum(_d(h["value"]) for h in holdings.values())
    assert _d(body["totalEquity"]) == total
    assert _d(body["cash"]) == _d(holdings["USDT"]["value"])
    assert _d(body["invested"]) == total - _d(body["cash"])
    assert sum(_d(h["weight"]) for h in holdings.values()) == pytest.approx(
        Decimal(1), abs=Decimal("1e-7")
    )
    assert {p["symbol"] for p in body["openPositions"]} == {"BTCUSDT", "ETHUSDT"}
    assert "dayChange" in body and "dayChangePercent" in body


def test_it_answers_free_locked_and_value_per_asset(auth_client, holder):
    body = auth_client.get("/api/portfolio/balance").json(parse_float=Decimal)

    rows = {row["asset"]: row for row in body["balances"]}
    assert _d(rows["BTC"]["total"]) == Decimal("0.01")
    assert _d(rows["ETH"]["free"]) == Decimal("0.5")
    assert _d(rows["USDT"]["locked"]) == 0
    assert _d(body["totalValue"]) == sum(_d(r["usdtValue"]) for r in rows.values())


def test_it_answers_the_allocation(auth_client, holder):
    body = auth_client.get("/api/portfolio/allocation").json(parse_float=Decimal)

    split = body["cashVsInvested"]
    assert _d(split["cash"]) + _d(split["invested"]) == _d(body["totalEquity"])
    assert _d(split["cashWeight"]) + _d(split["investedWeight"]) == pytest.approx(
        Decimal(1), abs=Decimal("1e-7")
    )
    assert {row["symbol"] for row in body["bySymbol"]} == {"BTCUSDT", "ETHUSDT"}
    assert {row["asset"] for row in body["byAsset"]} == {"USDT", "BTC", "ETH"}


@pytest.mark.parametrize("path", ["performance", "pnl"])
def test_it_refuses_an_unknown_period_naming_it(auth_client, path):
    response = auth_client.get(f"/api/portfolio/{path}?period=2w")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert "period" in error["details"]


def test_it_refuses_an_unknown_grouping(auth_client):
    response = auth_client.get("/api/portfolio/pnl?groupBy=week")

    assert response.status_code == 422
    assert "groupBy" in response.json()["error"]["details"]


def test_an_empty_account_answers_zeros_and_empty_series(auth_client, settings):
    settings.TRADING_STARTING_BALANCE = "0"

    portfolio = auth_client.get("/api/portfolio").json()
    performance = auth_client.get("/api/portfolio/performance?period=all").json()
    pnl = auth_client.get("/api/portfolio/pnl?period=7d&groupBy=symbol").json()
    allocation = auth_client.get("/api/portfolio/allocation").json()

    assert portfolio["totalEquity"] == 0 and portfolio["holdings"] == []
    assert performance["totalReturn"] == 0 and performance["equityCurve"] == []
    assert performance["numberOfTrades"] == 0
    assert pnl["realizedPnl"] == 0 and pnl["breakdown"] == []
    assert allocation["cashVsInvested"]["cashWeight"] == 0


@pytest.mark.parametrize(
    "path", ["", "/balance", "/performance", "/pnl", "/allocation"]
)
def test_it_requires_a_token(api_client, path):
    response = api_client.get(f"/api/portfolio{path}")

    assert response.status_code == 401
