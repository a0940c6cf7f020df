"""Live market data from a real exchange through ccxt (Binance's REST API).

The raw endpoints are called through ccxt's implicit API (``public_get_klines``
and friends) rather than its unified methods: they keep every field Binance sends
(quote volume, trade counts, taker volumes) and need no market list loaded first.
"""

import json
import logging
from decimal import Decimal

import ccxt

from core.errors import ServiceUnavailable, ValidationFailed
from core.time import utc_now
from trading.market.base import (
    DEFAULT_LIMIT,
    MAX_TRADES,
    MarketSource,
    OrderBook,
    Price,
    Ticker,
    Trade,
    check_book_limit,
    check_interval,
    check_limit,
    moment,
    resolve,
)
from trading.market.candles import Candles, decimal_to_e8

logger = logging.getLogger(__name__)

# Exchanges that speak Binance's spot REST API under ccxt's "public" URL.
BINANCE_LIKE = ("binance", "binanceus")


class ExchangeSource(MarketSource):
    """Binance's public REST API through ccxt.

    Symbols and their filters still come from the database.
    """

    # TODO: sync tick, step and notional filters from the exchange's exchangeInfo
    # (a command or the recorder) so that they follow the exchange's changes.
    name = "exchange"

    def __init__(self, exchange_id="binance", base_url="", timeout_ms=5000):
        if exchange_id not in BINANCE_LIKE:
            # TODO: other exchanges need ccxt's unified methods, which drop the
            # quote and taker volumes the klines route answers; only Binance's API
            # is wired for now.
            raise ValueError(f"Exchange {exchange_id!r} is not supported yet")
        self.exchange_id = exchange_id
        self.client = getattr(ccxt, exchange_id)(
            {"enableRateLimit": True, "timeout": timeout_ms}
        )
        if base_url:
            self.client.urls["api"]["public"] = base_url.rstrip("/") + "/api/v3"

    def _call(self, method, params):
        try:
            return getattr(self.client, method)(params)
        except ccxt.BadSymbol:
            raise ValidationFailed(
                "symbol", "The exchange does not list this symbol.", reason="BAD_SYMBOL"
            )
        except ccxt.BaseError as exc:
            logger.warning(
                "Exchange %s call %s failed: %s", self.exchange_id, method, exc
            )
            raise ServiceUnavailable("The market data exchange is not available.")

    def klines(
        self, symbol, interval="1m", start=None, end=None, limit=DEFAULT_LIMIT, now=None
    ):
        spec = resolve(symbol)
        check_interval(interval)
        check_limit(limit)
        params = {"symbol": spec.symbol, "interval": interval, "limit": limit}
        if start is not None:
            params["startTime"] = start
        if end is not None:
            params["endTime"] = end
        rows = self._call("public_get_klines", params)
        if not rows:
            return Candles.empty()
        columns = list(zip(*rows, strict=False))

        def e8(index):
            return [decimal_to_e8(Decimal(value)) for value in columns[index]]

        return Candles(
            open_time=[int(t) for t in columns[0]],
            close_time=[int(t) for t in columns[6]],
            open=e8(1),
            high=e8(2),
            low=e8(3),
            close=e8(4),
            volume=e8(5),
            quote_volume=e8(7),
            trades=[int(n) for n in columns[8]],
            taker_base=e8(9),
            taker_quote=e8(10),
        )

    def price(self, symbol, now=None):
        spec = resolve(symbol)
        answer = self._call("public_get_ticker_price", {"symbol": spec.symbol})
        return Price(spec.symbol, spec.round_price(Decimal(answer["price"])), utc_now())

    def prices(self, symbols=None, now=None):
        specs = [resolve(s) for s in symbols] if symbols else self.symbols()
        answer = self._call("public_get_ticker_price", _many(specs))
        by_symbol = {row["symbol"]: row["price"] for row in answer}
        at = utc_now()
        return [
            Price(spec.symbol, spec.round_price(Decimal(by_symbol[spec.symbol])), at)
            for spec in specs
            if spec.symbol in by_symbol
        ]

    def ticker(self, symbol, now=None):
        spec = resolve(symbol)
        answer = self._call("public_get_ticker_24hr", {"symbol": spec.symbol})
        return _ticker(spec, answer)

    def tickers(self, symbols=None, now=None):
        specs = [resolve(s) for s in symbols] if symbols else self.symbols()
        answer = self._call("public_get_ticker_24hr", _many(specs))
        by_symbol = {row["symbol"]: row for row in answer}
        return [
            _ticker(spec, by_symbol[spec.symbol])
            for spec in specs
            if spec.symbol in by_symbol
        ]

    def orderbook(self, symbol, limit=100, now=None):
        spec = resolve(symbol)
        check_book_limit(limit)
        answer = self._call("public_get_depth", {"symbol": spec.symbol, "limit": limit})

        def levels(side):
            return [
                (spec.round_price(Decimal(p)), spec.round_qty(Decimal(q)))
                for p, q in answer[side]
            ]

        return OrderBook(
            symbol=spec.symbol,
            last_update_id=int(answer["lastUpdateId"]),
            bids=levels("bids"),
            asks=levels("asks"),
            time=utc_now(),
        )

    def trades(self, symbol, limit=100, now=None):
        spec = resolve(symbol)
        check_limit(limit, MAX_TRADES)
        answer = self._call(
            "public_get_trades", {"symbol": spec.symbol, "limit": limit}
        )
        return [
            Trade(
                id=int(row["id"]),
                symbol=spec.symbol,
                price=spec.round_price(Decimal(row["price"])),
                quantity=Decimal(row["qty"]),
                time=moment(int(row["time"])),
                is_buyer_maker=bool(row["isBuyerMaker"]),
            )
            for row in answer
        ]


def _many(specs):
    """Binance's ``symbols`` parameter: a compact JSON array of names."""
    names = [spec.symbol for spec in specs]
    return {"symbols": json.dumps(names, separators=(",", ":"))}


def _ticker(spec, row):
    def price(name):
        return spec.round_price(Decimal(row[name]))

    return Ticker(
        symbol=spec.symbol,
        price_change=price("priceChange"),
        price_change_percent=Decimal(row["priceChangePercent"]),
        weighted_avg_price=price("weightedAvgPrice"),
        prev_close_price=price("prevClosePrice"),
        last_price=price("lastPrice"),
        bid_price=price("bidPrice"),
        ask_price=price("askPrice"),
        open_price=price("openPrice"),
        high_price=price("highPrice"),
        low_price=price("lowPrice"),
        volume=Decimal(row["volume"]),
        quote_volume=Decimal(row["quoteVolume"]),
        open_time=moment(int(row["openTime"])),
        close_time=moment(int(row["closeTime"])),
        count=int(row["count"]),
    )
