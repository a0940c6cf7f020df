"""Query parameters and response shapes of the market routes (camelCase)."""

import json

from rest_framework import serializers

from trading.market.base import BOOK_LIMITS, DEFAULT_LIMIT, MAX_LIMIT
from trading.market.intervals import INTERVALS
from trading.market.symbols import UnknownSymbol, get_spec


def _number(**kwargs):
    return serializers.DecimalField(
        max_digits=40, decimal_places=8, coerce_to_string=False, **kwargs
    )


# Queries ------------------------------------------------------------------------


class KlinesQuerySerializer(serializers.Serializer):
    interval = serializers.ChoiceField(choices=INTERVALS, default="1m")
    startTime = serializers.IntegerField(
        min_value=0, required=False, help_text="Epoch milliseconds."
    )
    endTime = serializers.IntegerField(
        min_value=0, required=False, help_text="Epoch milliseconds."
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT
    )

    def validate(self, attrs):
        start, end = attrs.get("startTime"), attrs.get("endTime")
        if start is not None and end is not None and start > end:
            raise serializers.ValidationError(
                {"startTime": "startTime must not be after endTime."}
            )
        return attrs


class SymbolsQuerySerializer(serializers.Serializer):
    symbols = serializers.CharField(
        required=False,
        help_text='Comma-separated names, or a JSON array as Binance: ["BTCUSDT"].',
    )

    def validate_symbols(self, value):
        text = value.strip()
        if text.startswith("["):
            try:
                names = json.loads(text)
            except ValueError:
                raise serializers.ValidationError("Not a valid JSON array of names.")
            if not all(isinstance(name, str) for name in names):
                raise serializers.ValidationError("Not a valid JSON array of names.")
        else:
            names = text.split(",")
        names = [name.strip() for name in names if name.strip()]
        if not names:
            raise serializers.ValidationError("Name at least one symbol.")
        unknown = [name for name in names if not _known(name)]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown symbols: {', '.join(unknown)}.", code="unknown_symbol"
            )
        return list(dict.fromkeys(get_spec(name) for name in names))


def _known(name):
    try:
        get_spec(name)
    except UnknownSymbol:
        return False
    return True


class OrderBookQuerySerializer(serializers.Serializer):
    limit = serializers.ChoiceField(
        choices=BOOK_LIMITS, default=100, help_text="Levels a side."
    )


# Responses (documentation; the views build the bodies) --------------------------


class FilterSerializer(serializers.Serializer):
    filterType = serializers.ChoiceField(
        choices=["PRICE_FILTER", "LOT_SIZE", "NOTIONAL"]
    )
    minPrice = _number(required=False)
    maxPrice = _number(required=False)
    tickSize = _number(required=False)
    minQty = _number(required=False)
    maxQty = _number(required=False)
    stepSize = _number(required=False)
    minNotional = _number(required=False)


class SymbolSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    status = serializers.ChoiceField(choices=["TRADING", "HALT", "BREAK"])
    baseAsset = serializers.CharField()
    quoteAsset = serializers.CharField()
    pricePrecision = serializers.IntegerField(help_text="Decimals of the tick size.")
    quantityPrecision = serializers.IntegerField(help_text="Decimals of the step size.")
    tickSize = _number()
    stepSize = _number()
    minPrice = _number()
    maxPrice = _number()
    minQty = _number()
    maxQty = _number()
    minNotional = _number()
    filters = FilterSerializer(many=True)


class ExchangeInfoSerializer(serializers.Serializer):
    timezone = serializers.CharField()
    serverTime = serializers.DateTimeField()
    source = serializers.ChoiceField(choices=["simulated", "stored", "exchange"])
    symbols = SymbolSerializer(many=True)


class KlineSerializer(serializers.Serializer):
    openTime = serializers.IntegerField(help_text="Epoch milliseconds.")
    open = _number()
    high = _number()
    low = _number()
    close = _number()
    volume = _number()
    closeTime = serializers.IntegerField(help_text="Epoch milliseconds.")
    quoteAssetVolume = _number()
    numberOfTrades = serializers.IntegerField()
    takerBuyBaseAssetVolume = _number()
    takerBuyQuoteAssetVolume = _number()


class KlinesSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    interval = serializers.ChoiceField(choices=INTERVALS)
    klines = KlineSerializer(many=True)


class PriceSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    price = _number()
    timestamp = serializers.DateTimeField()


class PricesSerializer(serializers.Serializer):
    prices = PriceSerializer(many=True)


class TickerSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    priceChange = _number()
    priceChangePercent = _number()
    weightedAvgPrice = _number()
    prevClosePrice = _number()
    lastPrice = _number()
    bidPrice = _number()
    askPrice = _number()
    openPrice = _number()
    highPrice = _number()
    lowPrice = _number()
    volume = _number()
    quoteVolume = _number()
    openTime = serializers.DateTimeField()
    closeTime = serializers.DateTimeField()
    count = serializers.IntegerField(help_text="Trades in the window.")


class TickersSerializer(serializers.Serializer):
    tickers = TickerSerializer(many=True)


class OrderBookSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    lastUpdateId = serializers.IntegerField()
    bids = serializers.ListField(
        child=serializers.ListField(child=_number(), min_length=2, max_length=2),
        help_text="[price, quantity] pairs, best (highest) first.",
    )
    asks = serializers.ListField(
        child=serializers.ListField(child=_number(), min_length=2, max_length=2),
        help_text="[price, quantity] pairs, best (lowest) first.",
    )
    timestamp = serializers.DateTimeField()
