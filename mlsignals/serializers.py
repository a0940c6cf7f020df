"""Query and body validation, and the documented shapes of the ML answers."""

from rest_framework import serializers

from trading.market import intervals

TIMEFRAMES = list(intervals.INTERVALS)
TIMEFRAME_HELP = "Kline interval: " + ", ".join(TIMEFRAMES) + "."


def _check_timeframe(value):
    if value not in TIMEFRAMES:
        raise serializers.ValidationError(
            f"Unknown timeframe {value!r}; one of {', '.join(TIMEFRAMES)}."
        )
    return value


class TimeframeField(serializers.CharField):
    """A kline interval (a plain string in the schema: the market data routes
    already name that choice set)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", TIMEFRAME_HELP)
        kwargs.setdefault("validators", [_check_timeframe])
        super().__init__(**kwargs)


class TimeframeQuery(serializers.Serializer):
    timeframe = TimeframeField(default="1h")


class IndicatorsQuery(TimeframeQuery):
    limit = serializers.IntegerField(min_value=1, max_value=500, default=100)


class PredictionQuery(TimeframeQuery):
    horizon = serializers.IntegerField(min_value=1, max_value=100, default=24)


class OverlayQuery(TimeframeQuery):
    limit = serializers.IntegerField(min_value=1, max_value=500, default=200)


class BatchBody(serializers.Serializer):
    symbols = serializers.ListField(
        child=serializers.CharField(max_length=20), min_length=1, max_length=20
    )
    timeframe = TimeframeField(default="1h")


class HistoryQuery(serializers.Serializer):
    timeframe = TimeframeField(required=False)


# Answers -------------------------------------------------------------------------


class ReadingsSerializer(serializers.Serializer):
    rsi = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    macd = serializers.ChoiceField(choices=["bullish", "bearish"], allow_null=True)
    ema = serializers.ChoiceField(choices=["above", "below"], allow_null=True)


class ModelRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    version = serializers.IntegerField()
    outOfSampleAuc = serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True
    )
    beatsBaseRate = serializers.BooleanField(
        help_text="Whether its out-of-sample log loss beat the base rate's."
    )


class SignalSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    timeframe = serializers.CharField()
    signal = serializers.ChoiceField(choices=["BUY", "SELL", "HOLD"])
    strength = serializers.IntegerField(min_value=0, max_value=100)
    entry = serializers.DecimalField(max_digits=24, decimal_places=8)
    stopLoss = serializers.DecimalField(
        max_digits=24, decimal_places=8, allow_null=True
    )
    takeProfit = serializers.DecimalField(
        max_digits=24, decimal_places=8, allow_null=True
    )
    confidence = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        help_text="The model's probability that the signal's direction is right.",
    )
    probabilityUp = serializers.DecimalField(max_digits=5, decimal_places=4)
    amdPhase = serializers.CharField(allow_null=True)
    indicators = ReadingsSerializer()
    model = ModelRefSerializer()
    horizon = serializers.IntegerField(help_text="Candles until it is judged.")
    timestamp = serializers.DateTimeField()


class SignalListSerializer(serializers.Serializer):
    data = SignalSerializer(many=True)


class SignalHistorySerializer(serializers.Serializer):
    """A stored signal and, once its horizon has passed, how it turned out."""

    id = serializers.UUIDField()
    symbol = serializers.CharField()
    timeframe = serializers.CharField()
    signal = serializers.CharField()
    strength = serializers.IntegerField()
    entry = serializers.DecimalField(max_digits=24, decimal_places=8)
    stopLoss = serializers.DecimalField(
        source="stop_loss", max_digits=24, decimal_places=8, allow_null=True
    )
    takeProfit = serializers.DecimalField(
        source="take_profit", max_digits=24, decimal_places=8, allow_null=True
    )
    confidence = serializers.DecimalField(max_digits=5, decimal_places=4)
    amdPhase = serializers.CharField(source="amd_phase")
    candleOpen = serializers.DateTimeField(source="candle_open")
    timestamp = serializers.DateTimeField(source="issued_for")
    horizon = serializers.IntegerField()
    evaluateAt = serializers.DateTimeField(source="evaluate_at")
    outcome = serializers.CharField()
    correct = serializers.SerializerMethodField()
    exitPrice = serializers.DecimalField(
        source="exit_price", max_digits=24, decimal_places=8, allow_null=True
    )
    realizedReturn = serializers.DecimalField(
        source="realized_return", max_digits=12, decimal_places=8, allow_null=True
    )
    evaluatedAt = serializers.DateTimeField(source="evaluated_at", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")

    def get_correct(self, obj) -> bool | None:
        if obj.outcome == "PENDING":
            return None
        return obj.outcome == "RIGHT"


class AmdSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    timeframe = serializers.CharField()
    phase = serializers.ChoiceField(
        choices=["ACCUMULATION", "MANIPULATION", "DISTRIBUTION"]
    )
    direction = serializers.ChoiceField(choices=["BULLISH", "BEARISH", "NEUTRAL"])
    confidence = serializers.DecimalField(max_digits=5, decimal_places=4)
    description = serializers.CharField()
    recommendation = serializers.CharField()
    supportLevel = serializers.DecimalField(
        max_digits=24, decimal_places=8, allow_null=True
    )
    resistanceLevel = serializers.DecimalField(
        max_digits=24, decimal_places=8, allow_null=True
    )
    nextPhaseEstimate = serializers.CharField()
    timestamp = serializers.DateTimeField()


class PointSerializer(serializers.Serializer):
    time = serializers.IntegerField(help_text="Epoch seconds (candle open).")
    value = serializers.DecimalField(max_digits=30, decimal_places=10)


class IndicatorsSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    timeframe = serializers.CharField()
    close = serializers.DecimalField(max_digits=24, decimal_places=8)
    values = serializers.DictField(
        help_text="rsi, macd{macd,signal,histogram}, ema{ema20,ema50,ema200}, "
        "sma{sma20,sma50}, bollinger{upper,middle,lower}, atr, stochastic{k,d}, "
        "adx, obv, vwap of the newest closed candle."
    )
    readings = ReadingsSerializer()
    series = serializers.DictField(child=PointSerializer(many=True))
    timestamp = serializers.DateTimeField()


class PathPointSerializer(serializers.Serializer):
    time = serializers.DateTimeField()
    chartTime = serializers.IntegerField()
    price = serializers.DecimalField(max_digits=24, decimal_places=8)
    lower80 = serializers.DecimalField(max_digits=24, decimal_places=8)
    upper80 = serializers.DecimalField(max_digits=24, decimal_places=8)
    lower95 = serializers.DecimalField(max_digits=24, decimal_places=8)
    upper95 = serializers.DecimalField(max_digits=24, decimal_places=8)


class EvaluationSerializer(serializers.Serializer):
    origins = serializers.IntegerField()
    maePercent = serializers.DecimalField(max_digits=12, decimal_places=4)
    naiveMaePercent = serializers.DecimalField(max_digits=12, decimal_places=4)
    skill = serializers.DecimalField(max_digits=12, decimal_places=4)
    directionalAccuracy = serializers.DecimalField(
        max_digits=6, decimal_places=4, allow_null=True
    )
    upShare = serializers.DecimalField(max_digits=6, decimal_places=4)
    beatsNaive = serializers.BooleanField()
    verdict = serializers.CharField()


class PredictionModelSerializer(serializers.Serializer):
    name = serializers.CharField()
    fittedOnCandles = serializers.IntegerField()
    params = serializers.DictField(child=serializers.DecimalField(30, 6))


class PredictionSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    timeframe = serializers.CharField()
    horizon = serializers.IntegerField()
    lastPrice = serializers.DecimalField(max_digits=24, decimal_places=8)
    model = PredictionModelSerializer()
    path = PathPointSerializer(many=True)
    evaluation = EvaluationSerializer()
    timestamp = serializers.DateTimeField()


class LevelSerializer(serializers.Serializer):
    price = serializers.DecimalField(max_digits=24, decimal_places=8)
    type = serializers.ChoiceField(choices=["support", "resistance"])
    touches = serializers.IntegerField()
    strength = serializers.IntegerField(min_value=0, max_value=100)
    firstTime = serializers.IntegerField()
    lastTime = serializers.IntegerField()
    color = serializers.CharField()
    title = serializers.CharField()


class MarkerSerializer(serializers.Serializer):
    time = serializers.IntegerField()
    position = serializers.ChoiceField(choices=["belowBar", "aboveBar", "inBar"])
    color = serializers.CharField()
    shape = serializers.ChoiceField(choices=["arrowUp", "arrowDown", "circle"])
    text = serializers.CharField()
    signal = serializers.CharField()
    outcome = serializers.CharField()


class ZoneSerializer(serializers.Serializer):
    phase = serializers.CharField()
    direction = serializers.CharField()
    startTime = serializers.IntegerField()
    endTime = serializers.IntegerField()
    low = serializers.DecimalField(max_digits=24, decimal_places=8)
    high = serializers.DecimalField(max_digits=24, decimal_places=8)
    color = serializers.CharField()


class BandsSerializer(serializers.Serializer):
    model = serializers.CharField()
    beatsNaive = serializers.BooleanField()
    path = PointSerializer(many=True)
    upper80 = PointSerializer(many=True)
    lower80 = PointSerializer(many=True)
    upper95 = PointSerializer(many=True)
    lower95 = PointSerializer(many=True)


class OverlayHeadSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    timeframe = serializers.CharField()


class LevelsOverlaySerializer(OverlayHeadSerializer):
    levels = LevelSerializer(many=True)


class SignalsOverlaySerializer(OverlayHeadSerializer):
    markers = MarkerSerializer(many=True)


class AmdOverlaySerializer(OverlayHeadSerializer):
    zones = ZoneSerializer(many=True)


class PredictionsOverlaySerializer(OverlayHeadSerializer):
    bands = BandsSerializer()


class OverlaySerializer(OverlayHeadSerializer):
    levels = LevelSerializer(many=True)
    signals = MarkerSerializer(many=True)
    amd = ZoneSerializer(many=True)
    predictions = BandsSerializer()


class OverlayBatchSerializer(serializers.Serializer):
    data = OverlaySerializer(many=True)


class ConnectionSerializer(serializers.Serializer):
    connected = serializers.BooleanField()
    dataSource = serializers.CharField()
    latencyMs = serializers.FloatField(allow_null=True)
    error = serializers.CharField(allow_null=True)
    checkedAt = serializers.DateTimeField()


class MlHealthSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="healthy or unhealthy.")
    modelsLoaded = serializers.IntegerField()
    models = serializers.ListField(child=serializers.CharField())
    lastTraining = serializers.DateTimeField(allow_null=True)
    lastRun = serializers.DateTimeField(allow_null=True)
    dataSource = ConnectionSerializer()
    checkMs = serializers.FloatField()
    timestamp = serializers.DateTimeField()
