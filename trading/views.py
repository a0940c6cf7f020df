"""Market data routes: parse, ask the configured source, answer."""

import logging

import simplejson
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.time import isoformat, utc_now
from trading import presenters
from trading.market import get_source
from trading.market.symbols import get_spec
from trading.serializers import (
    ExchangeInfoSerializer,
    KlinesQuerySerializer,
    KlinesSerializer,
    OrderBookQuerySerializer,
    OrderBookSerializer,
    PriceSerializer,
    PricesSerializer,
    SymbolsQuerySerializer,
    TickerSerializer,
    TickersSerializer,
)

logger = logging.getLogger(__name__)

TAGS = ["market"]
SYMBOL_PATH = OpenApiParameter(
    "symbol", str, OpenApiParameter.PATH, description="e.g. BTCUSDT"
)


def _query(serializer_class, request):
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class SymbolsView(APIView):
    @extend_schema(
        summary="Exchange info: every symbol with its filters",
        description=(
            "Tick size, step size, minimum quantity and notional per symbol, as "
            "Binance's exchangeInfo, so clients can round before they order."
        ),
        responses=ExchangeInfoSerializer,
        tags=TAGS,
    )
    def get(self, request):
        source = get_source()
        return Response(
            {
                "timezone": "UTC",
                "serverTime": isoformat(utc_now()),
                "source": source.name,
                "symbols": [presenters.symbol_body(s) for s in source.symbols()],
            }
        )


class KlinesView(APIView):
    @extend_schema(
        summary="Candlesticks",
        description=(
            "Candles whose open time lies in [startTime, endTime] (epoch ms). With "
            "startTime the oldest `limit` from it, otherwise the newest; the candle "
            "in progress shows what has happened so far."
        ),
        parameters=[SYMBOL_PATH, KlinesQuerySerializer],
        responses=KlinesSerializer,
        tags=TAGS,
    )
    def get(self, request, symbol):
        spec = get_spec(symbol)
        query = _query(KlinesQuerySerializer, request)
        klines = get_source().klines_json(
            spec,
            query["interval"],
            start=query.get("startTime"),
            end=query.get("endTime"),
            limit=query["limit"],
        )
        return Response(
            {
                "symbol": spec.symbol,
                "interval": query["interval"],
                # Pre-rendered: see Candles.to_json.
                "klines": simplejson.RawJSON(klines),
            }
        )


class PriceView(APIView):
    @extend_schema(
        summary="Current price",
        parameters=[SYMBOL_PATH],
        responses=PriceSerializer,
        tags=TAGS,
    )
    def get(self, request, symbol):
        price = get_source().price(get_spec(symbol))
        return Response(presenters.price_body(price))


class PricesView(APIView):
    @extend_schema(
        summary="Current prices of all symbols or of `symbols`",
        parameters=[SymbolsQuerySerializer],
        responses=PricesSerializer,
        tags=TAGS,
    )
    def get(self, request):
        query = _query(SymbolsQuerySerializer, request)
        prices = get_source().prices(query.get("symbols"))
        return Response({"prices": [presenters.price_body(p) for p in prices]})


class TickerView(APIView):
    @extend_schema(
        summary="24h rolling ticker",
        parameters=[SYMBOL_PATH],
        responses=TickerSerializer,
        tags=TAGS,
    )
    def get(self, request, symbol):
        ticker = get_source().ticker(get_spec(symbol))
        return Response(presenters.ticker_body(ticker))


class TickersView(APIView):
    @extend_schema(
        summary="24h rolling tickers of all symbols or of `symbols`",
        parameters=[SymbolsQuerySerializer],
        responses=TickersSerializer,
        tags=TAGS,
    )
    def get(self, request):
        query = _query(SymbolsQuerySerializer, request)
        tickers = get_source().tickers(query.get("symbols"))
        return Response({"tickers": [presenters.ticker_body(t) for t in tickers]})


class OrderBookView(APIView):
    @extend_schema(
        summary="Order book",
        parameters=[SYMBOL_PATH, OrderBookQuerySerializer],
        responses=OrderBookSerializer,
        tags=TAGS,
    )
    def get(self, request, symbol):
        spec = get_spec(symbol)
        query = _query(OrderBookQuerySerializer, request)
        book = get_source().orderbook(spec, limit=query["limit"])
        return Response(presenters.book_body(book))
