"""The market routes under /api/trading/market, on the simulated source."""

import pytest

pytestmark = pytest.mark.django_db

MARKET = "/api/trading/market"


def test_it_lists_every_default_symbol_with_its_filters(auth_client):
    response = auth_client.get(f"{MARKET}/symbols")

    assert response.status_code == 200
    symbols = {row["symbol"]: row for row in response.json()["symbols"]}
    assert {"BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"} <= set(symbols)
    btc = symbols["BTCUSDT"]
    assert (btc["baseAsset"], btc["quoteAsset"]) == ("BTC", "USDT")
    assert btc["tickSize"] == 0.01 and btc["stepSize"] == 0.00001
    assert btc["pricePrecision"] == 2 and btc["quantityPrecision"] == 5
    assert [f["filterType"] for f in btc["filters"]] == [
        "PRICE_FILTER",
        "LOT_SIZE",
        "NOTIONAL",
    ]


def test_it_requires_a_token(api_client):
    response = api_client.get(f"{MARKET}/klines/BTCUSDT")

    assert response.status_code == 401


def test_it_answers_the_newest_candles_by_default(auth_client):
    response = auth_client.get(f"{MARKET}/klines/btcusdt?interval=1h&limit=24")

    assert response.status_code == 200
    body = response.json()
    assert body["symbol"] == "BTCUSDT" and body["interval"] == "1h"
    klines = body["klines"]
    assert len(klines) == 24
    opens = [k["openTime"] for k in klines]
    assert all(b - a == 3_600_000 for a, b in zip(opens, opens[1:], strict=False))
    assert all(k["closeTime"] == k["openTime"] + 3_599_999 for k in klines)
    first = klines[0]
    assert set(first) == {
        "openTime",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "closeTime",
        "quoteAssetVolume",
        "numberOfTrades",
        "takerBuyBaseAssetVolume",
        "takerBuyQuoteAssetVolume",
    }
    assert first["low"] <= min(first["open"], first["close"])
    assert first["high"] >= max(first["open"], first["close"])


def test_it_rounds_prices_to_the_tick_in_the_json(auth_client):
    response = auth_client.get(f"{MARKET}/klines/XRPUSDT?interval=1m&limit=5")

    text = response.content.decode()
    # XRPUSDT's tick is 0.0001: four decimals, written as exact JSON numbers.
    assert '"open":0.' in text or '"open":1.' in text
    for kline in response.json()["klines"]:
        assert round(kline["close"], 4) == kline["close"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("interval=2m", "interval"),
        ("interval=1H", "interval"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("startTime=yesterday", "startTime"),
        ("endTime=-5", "endTime"),
        ("startTime=1704070800000&endTime=1704067200000", "startTime"),
    ],
)
def test_it_rejects_a_bad_klines_parameter_naming_it(auth_client, query, field):
    response = auth_client.get(f"{MARKET}/klines/BTCUSDT?{query}")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["details"]


@pytest.mark.parametrize("route", ["klines", "price", "ticker", "orderbook"])
def test_it_rejects_an_unknown_symbol_naming_it(auth_client, route):
    response = auth_client.get(f"{MARKET}/{route}/DOGEBTC")

    assert response.status_code == 422
    assert "symbol" in response.json()["error"]["details"]


def test_it_answers_a_price_at_the_tick(auth_client):
    response = auth_client.get(f"{MARKET}/price/ETHUSDT")

    body = response.json()
    assert response.status_code == 200
    assert body["symbol"] == "ETHUSDT"
    assert body["price"] > 0 and round(body["price"], 2) == body["price"]
    assert body["timestamp"].endswith("Z")


def test_it_answers_the_prices_asked_for_in_either_binance_form(auth_client):
    by_comma = auth_client.get(f"{MARKET}/prices?symbols=BTCUSDT,ETHUSDT")
    by_array = auth_client.get(f'{MARKET}/prices?symbols=["SOLUSDT"]')
    everything = auth_client.get(f"{MARKET}/prices")

    assert [p["symbol"] for p in by_comma.json()["prices"]] == ["BTCUSDT", "ETHUSDT"]
    assert [p["symbol"] for p in by_array.json()["prices"]] == ["SOLUSDT"]
    assert len(everything.json()["prices"]) >= 5


@pytest.mark.parametrize("route", ["prices", "tickers"])
def test_it_rejects_unknown_symbols_in_a_list(auth_client, route):
    response = auth_client.get(f"{MARKET}/{route}?symbols=BTCUSDT,NOPE")

    assert response.status_code == 422
    assert "symbols" in response.json()["error"]["details"]


def test_it_answers_a_24h_ticker_consistent_with_its_candles(auth_client):
    response = auth_client.get(f"{MARKET}/ticker/BTCUSDT")

    ticker = response.json()
    assert response.status_code == 200
    assert ticker["lowPrice"] <= ticker["lastPrice"] <= ticker["highPrice"]
    assert ticker["lowPrice"] <= ticker["weightedAvgPrice"] <= ticker["highPrice"]
    assert ticker["priceChange"] == pytest.approx(
        ticker["lastPrice"] - ticker["openPrice"]
    )
    assert ticker["bidPrice"] < ticker["askPrice"]
    assert ticker["count"] > 0 and ticker["volume"] > 0
    assert ticker["openTime"].endswith("Z") and ticker["closeTime"].endswith("Z")


def test_it_answers_tickers_for_every_symbol(auth_client):
    response = auth_client.get(f"{MARKET}/tickers")

    assert response.status_code == 200
    assert len(response.json()["tickers"]) >= 5


def test_it_answers_an_order_book_with_the_levels_asked_for(auth_client):
    response = auth_client.get(f"{MARKET}/orderbook/BTCUSDT?limit=20")

    book = response.json()
    assert response.status_code == 200
    assert len(book["bids"]) == 20 and len(book["asks"]) == 20
    bids = [price for price, _ in book["bids"]]
    asks = [price for price, _ in book["asks"]]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks)
    assert bids[0] < asks[0]
    assert all(quantity > 0 for _, quantity in book["bids"] + book["asks"])


def test_it_rejects_an_order_book_depth_binance_does_not_offer(auth_client):
    response = auth_client.get(f"{MARKET}/orderbook/BTCUSDT?limit=7")

    assert response.status_code == 422
    assert "limit" in response.json()["error"]["details"]
