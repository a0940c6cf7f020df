"""Query parameters and response shapes of the market routes (camelCase)."""

import json
import logging
from decimal import Decimal

from rest_framework import serializers

from core.serializers import FlatSerializer
from trading import presenters
from trading.choices import OrderStatus, OrderType, PositionStatus, Side, TimeInForce
from trading.market.base import BOOK_LIMITS, DEFAULT_LIMIT, MAX_LIMIT
from trading.market.intervals import INTERVALS
from trading.market.symbols import UnknownSymbol, get_spec

logger = logging.getLogger(__name__)


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


# Paper exchange -------------------------------------------------------------------


def _amount_in(**kwargs):
    return serializers.DecimalField(
        max_digits=30, decimal_places=8, coerce_to_string=False, **kwargs
    )


class OrderCreateSerializer(FlatSerializer):
    symbol = serializers.CharField(max_length=20)
    side = serializers.ChoiceField(choices=Side.choices)
    type = serializers.ChoiceField(choices=OrderType.choices)
    quantity = _amount_in(min_value=Decimal("0.00000001"))
    price = _amount_in(
        required=False, min_value=Decimal("0.00000001"), help_text="Limit price."
    )
    stopPrice = _amount_in(
        source="stop_price",
        required=False,
        min_value=Decimal("0.00000001"),
        help_text="Trigger of STOP_LOSS_LIMIT and TAKE_PROFIT_LIMIT orders.",
    )
    timeInForce = serializers.ChoiceField(
        source="time_in_force",
        choices=TimeInForce.choices,
        required=False,
        help_text="GTC by default; a MARKET order is IOC (or FOK).",
    )
    clientOrderId = serializers.RegexField(
        r"^[A-Za-z0-9_.:-]{1,64}$",
        source="client_order_id",
        required=False,
        help_text="Your id: a retried request with it answers the first order.",
    )
    stopLoss = _amount_in(
        source="stop_loss",
        required=False,
        min_value=Decimal("0.00000001"),
        help_text="On a BUY: a STOP_LOSS_LIMIT sell placed when the entry fills.",
    )
    takeProfit = _amount_in(
        source="take_profit",
        required=False,
        min_value=Decimal("0.00000001"),
        help_text="On a BUY: a TAKE_PROFIT_LIMIT sell placed when the entry fills.",
    )

    def validate_symbol(self, value):
        if not _known(value):
            raise serializers.ValidationError(
                f"Unknown symbol {value!r}.", code="unknown_symbol"
            )
        return get_spec(value).symbol


class FillSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    price = _number()
    quantity = _number()
    quoteQuantity = _number()
    fee = _number()
    feeAsset = serializers.CharField()
    isMaker = serializers.BooleanField()
    createdAt = serializers.DateTimeField()


class OrderSerializer(serializers.Serializer):
    """An order with its fills (written by trading.presenters.order_body)."""

    id = serializers.UUIDField()
    clientOrderId = serializers.CharField(allow_null=True)
    symbol = serializers.CharField()
    side = serializers.ChoiceField(choices=Side.choices)
    type = serializers.ChoiceField(choices=OrderType.choices)
    timeInForce = serializers.ChoiceField(choices=TimeInForce.choices)
    quantity = _number()
    price = _number(allow_null=True)
    stopPrice = _number(allow_null=True)
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    executedQty = _number()
    cumulativeQuoteQty = _number()
    avgPrice = _number(allow_null=True)
    fee = _number(help_text="Total fees, in the quote asset.")
    stopLoss = _number(allow_null=True)
    takeProfit = _number(allow_null=True)
    parentOrderId = serializers.UUIDField(
        allow_null=True, help_text="The entry order of a protective exit."
    )
    positionId = serializers.UUIDField(allow_null=True)
    reason = serializers.CharField(
        allow_null=True, help_text="Why the engine ended it (EXPIRED, REJECTED)."
    )
    triggeredAt = serializers.DateTimeField(allow_null=True)
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    fills = FillSerializer(many=True)

    def to_representation(self, instance):
        return presenters.order_body(instance, list(instance.fills.all()))


class OrderEnvelopeSerializer(serializers.Serializer):
    order = OrderSerializer()


class PositionSerializer(serializers.Serializer):
    """A position (written by trading.presenters.position_body); the current
    price and unrealized PnL are null when the market data is unavailable."""

    id = serializers.UUIDField()
    symbol = serializers.CharField()
    side = serializers.ChoiceField(choices=["LONG"])
    status = serializers.ChoiceField(choices=PositionStatus.choices)
    quantity = _number()
    entryPrice = _number(help_text="Quantity-weighted average buy price.")
    currentPrice = _number(allow_null=True)
    marketValue = _number(allow_null=True)
    unrealizedPnl = _number(allow_null=True)
    realizedPnl = _number(help_text="From sells over the entry price, less fees.")
    fees = _number()
    stopLoss = _number(allow_null=True)
    takeProfit = _number(allow_null=True)
    openedAt = serializers.DateTimeField()
    closedAt = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance):
        prices = self.context.setdefault("prices", {})
        return presenters.position_body(
            instance, current_price(instance.symbol, prices)
        )


class PositionCloseSerializer(serializers.Serializer):
    order = OrderSerializer()
    position = PositionSerializer()


def current_price(symbol, cache):
    """The symbol's price from the market source, once per response; None when
    the source cannot answer."""
    if symbol not in cache:
        from trading.market import get_source

        try:
            cache[symbol] = get_source().price(symbol).price
        except Exception:
            logger.warning("No price for %s; positions show none", symbol)
            cache[symbol] = None
    return cache[symbol]
