"""The exchange source, through ccxt, against a local server speaking Binance."""

from decimal import Decimal

import pytest

from tests.trading.fake_binance import START, fake_binance
from trading.market import get_source, reset_sources
from trading.services.store_klines import backfill

pytestmark = pytest.mark.django_db

MARKET = "/api/trading/market"


@pytest.fixture
def exchange(settings, free_port):
    settings.MARKET_DATA_SOURCE = "exchange"
    settings.MARKET_EXCHANGE_URL = f"http://127.0.0.1:{free_port}"
    reset_sources()
    with fake_binance(free_port) as server:
        yield server
    reset_sources()


def test_it_reads_klines_with_every_binance_field(auth_client, exchange):
    response = auth_client.get(
        f"{MARKET}/klines/BTCUSDT?interval=1m&startTime={START}&limit=3"
    )

    assert response.status_code == 200
    klines = response.json()["klines"]
    assert len(klines) == 3
    assert klines[0] == {
        "openTime": START,
        "open": 42000.10,
        "high": 42010.00,
        "low": 41990.00,
        "close": 42001.25,
        "volume": 12.34567,
        "closeTime": START + 59_999,
        "quoteAssetVolume": 518765.4321,
        "numberOfTrades": 321,
        "takerBuyBaseAssetVolume": 6.0,
        "takerBuyQuoteAssetVolume": 252000.0,
    }
    path, query = exchange.requests[-1]
    assert path == "/api/v3/klines"
    assert query == {
        "symbol": "BTCUSDT",
        "interval": "1m",
        "limit": "3",
        "startTime": str(START),
    }


def test_it_rounds_the_exchange_price_to_the_tick(auth_client, exchange):
    response = auth_client.get(f"{MARKET}/price/BTCUSDT")

    assert response.status_code == 200
    assert response.json()["price"] == 42001.26
    assert b'"price":42001.26' in response.content


def test_it_reads_prices_of_several_symbols_in_one_call(auth_client, exchange):
    response = auth_client.get(f"{MARKET}/prices?symbols=BTCUSDT,ETHUSDT")

    assert [p["symbol"] for p in response.json()["prices"]] == ["BTCUSDT", "ETHUSDT"]
    assert exchange.requests[-1][1]["symbols"] == '["BTCUSDT","ETHUSDT"]'


def test_it_reads_the_24h_ticker(auth_client, exchange):
    response = auth_client.get(f"{MARKET}/ticker/BTCUSDT")

    ticker = response.json()
    assert ticker["priceChangePercent"] == -95.96
    assert ticker["count"] == 76
    assert ticker["openTime"] == "2017-07-11T14:31:39.040000Z"


def test_it_reads_the_order_book(auth_client, exchange):
    response = auth_client.get(f"{MARKET}/orderbook/BTCUSDT?limit=5")

    book = response.json()
    assert book["lastUpdateId"] == 1027024
    assert book["bids"][0] == [42000.01, 0.431]
    assert book["asks"][1] == [42001.00, 3.0]
    assert exchange.requests[-1] == (
        "/api/v3/depth",
        {"symbol": "BTCUSDT", "limit": "5"},
    )


def test_it_reads_recent_trades(exchange):
    trades = get_source("exchange").trades("BTCUSDT", limit=1)

    assert trades[0].price == Decimal("42000.01") and trades[0].is_buyer_maker


def test_an_exchange_outage_is_a_503_not_a_500(auth_client, exchange):
    exchange.down = True

    response = auth_client.get(f"{MARKET}/price/BTCUSDT")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"


def test_a_symbol_the_exchange_does_not_list_is_a_422(auth_client, exchange):
    response = auth_client.get(f"{MARKET}/price/SOLUSDT")

    assert response.status_code == 422
    assert "symbol" in response.json()["error"]["details"]


def test_a_backfill_from_the_exchange_stores_each_candle_once(exchange):
    from trading.models import Kline

    first = backfill("BTCUSDT", START, START + 10 * 60_000, "exchange")
    again = backfill("BTCUSDT", START, START + 10 * 60_000, "exchange")

    assert (first, again) == (10, 0)
    stored = Kline.objects.get(symbol__symbol="BTCUSDT", open_time=START)
    assert stored.close == Decimal("42001.25") and stored.source == "exchange"
