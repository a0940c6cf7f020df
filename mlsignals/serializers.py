"""Query and body validation, and the documented shapes of the ML answers."""

from datetime import UTC
from decimal import Decimal

from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mlsignals.backtest.strategies import STRATEGIES
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


# Backtests -----------------------------------------------------------------------


@extend_schema_field(
    {"type": "string", "example": "2024-01-01", "description": "A date or an instant"}
)
class DateOrInstantField(serializers.Field):
    """``2024-01-01`` (a date) or an ISO-8601 instant; naive instants are UTC."""

    default_error_messages = {
        "invalid": "Enter a date (YYYY-MM-DD) or an ISO-8601 datetime."
    }

    def to_internal_value(self, value):
        text = str(value).strip()
        try:
            day = parse_date(text)
            if day is not None:
                return day
            moment = parse_datetime(text)
        except ValueError:
            moment = None
        if moment is None:
            self.fail("invalid")
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def to_representation(self, value):
        return value.isoformat()


def _positive(value):
    if value <= 0:
        raise serializers.ValidationError("Must be greater than 0.")
    return value


def _fraction(name, maximum, **kwargs):
    return serializers.DecimalField(
        max_digits=12,
        decimal_places=8,
        min_value=Decimal(0),
        max_value=Decimal(maximum),
        help_text=name,
        **kwargs,
    )


class BacktestBody(serializers.Serializer):
    symbol = serializers.CharField(max_length=20)
    strategy = serializers.ChoiceField(choices=list(STRATEGIES))
    timeframe = TimeframeField(default="1h")
    startDate = DateOrInstantField()
    endDate = DateOrInstantField(help_text="A bare date includes that whole day.")
    initialCapital = serializers.DecimalField(
        max_digits=24,
        decimal_places=8,
        max_value=Decimal("1000000000000"),
        default=Decimal(10000),
        validators=[_positive],
    )
    parameters = serializers.DictField(
        default=dict,
        help_text="The strategy's parameters (see the description); defaults for "
        "those left out.",
    )
    commission = _fraction(
        "Rate charged on each fill's value, at entry and at exit.",
        "0.05",
        default=Decimal("0.001"),
    )
    slippage = _fraction(
        "Fraction by which market and stop fills are worse than the price.",
        "0.05",
        default=Decimal(0),
    )
    positionSize = _fraction(
        "Fraction of equity each new position uses, fees included.",
        "1",
        default=Decimal(1),
        validators=[_positive],
    )
    stopLoss = _fraction(
        "Stop distance from the entry as a fraction (0.02 = 2%).",
        "0.99",
        required=False,
        allow_null=True,
        validators=[_positive],
    )
    takeProfit = _fraction(
        "Target distance from the entry as a fraction.",
        "100",
        required=False,
        allow_null=True,
        validators=[_positive],
    )
    allowShort = serializers.BooleanField(default=False)


class BacktestOptionsSerializer(serializers.Serializer):
    commission = serializers.DecimalField(max_digits=12, decimal_places=8)
    slippage = serializers.DecimalField(max_digits=12, decimal_places=8)
    positionSize = serializers.DecimalField(max_digits=12, decimal_places=8)
    stopLoss = serializers.DecimalField(
        max_digits=12, decimal_places=8, allow_null=True
    )
    takeProfit = serializers.DecimalField(
        max_digits=12, decimal_places=8, allow_null=True
    )
    allowShort = serializers.BooleanField()


def _money(**kwargs):
    return serializers.DecimalField(max_digits=30, decimal_places=8, **kwargs)


def _ratio(**kwargs):
    return serializers.DecimalField(
        max_digits=30, decimal_places=6, allow_null=True, **kwargs
    )


class BacktestTradeSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=["LONG", "SHORT"])
    entryTime = serializers.DateTimeField(help_text="Open of the entry candle.")
    exitTime = serializers.DateTimeField(help_text="Open of the exit candle.")
    entryPrice = _money()
    exitPrice = _money()
    quantity = _money()
    pnl = _money(help_text="Profit after both fees.")
    returnPct = _ratio(help_text="pnl / (quantity * entryPrice).")
    fees = _money()
    exitReason = serializers.ChoiceField(
        choices=["SIGNAL", "STOP_LOSS", "TAKE_PROFIT", "END"]
    )
    candlesHeld = serializers.IntegerField()


class EquityPointSerializer(serializers.Serializer):
    time = serializers.DateTimeField()
    equity = _money()


class BacktestModelRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    version = serializers.IntegerField()
    trainStart = serializers.DateTimeField()
    trainEnd = serializers.DateTimeField()
    overlapsTraining = serializers.BooleanField(
        help_text="The range overlaps the model's training window (in-sample)."
    )


class BacktestResultsSerializer(serializers.Serializer):
    totalTrades = serializers.IntegerField()
    winningTrades = serializers.IntegerField()
    losingTrades = serializers.IntegerField()
    winRate = _ratio()
    profitFactor = _ratio(help_text="Null when no trade lost.")
    totalReturn = _ratio()
    maxDrawdown = _ratio()
    sharpeRatio = _ratio()
    sortinoRatio = _ratio()
    cagr = _ratio()
    exposure = _ratio()
    averageTrade = _money(allow_null=True)
    averageTradeReturn = _ratio()
    averageHoldingSeconds = serializers.IntegerField(allow_null=True)
    buyAndHoldReturn = _ratio()
    initialCapital = _money()
    finalEquity = _money()
    totalFees = _money()
    candles = serializers.IntegerField()
    skippedEntries = serializers.IntegerField(
        help_text="Entries not taken because the equity could not buy one lot."
    )
    firstCandle = serializers.DateTimeField()
    lastCandle = serializers.DateTimeField()
    tradesListed = serializers.IntegerField()
    model = BacktestModelRefSerializer(allow_null=True)
    equity = EquityPointSerializer(many=True)
    trades = BacktestTradeSerializer(many=True)


class BacktestJobSerializer(serializers.Serializer):
    jobId = serializers.UUIDField(source="id")
    status = serializers.CharField(help_text="PENDING, RUNNING, SUCCEEDED or FAILED.")
    symbol = serializers.CharField()
    strategy = serializers.CharField()
    timeframe = serializers.CharField()
    startDate = serializers.DateTimeField(source="start_at")
    endDate = serializers.DateTimeField(
        source="end_at", help_text="Open of the last candle of the range."
    )
    initialCapital = _money(source="initial_capital")
    parameters = serializers.DictField()
    settings = BacktestOptionsSerializer(source="options")
    results = BacktestResultsSerializer(allow_null=True)
    error = serializers.CharField()
    attempts = serializers.IntegerField()
    createdAt = serializers.DateTimeField(source="created_at")
    startedAt = serializers.DateTimeField(source="started_at", allow_null=True)
    finishedAt = serializers.DateTimeField(source="finished_at", allow_null=True)


# Model registry and retraining -------------------------------------------------------


class ModelQuery(serializers.Serializer):
    symbol = serializers.CharField(max_length=20, required=False)
    timeframe = TimeframeField(required=False)
    status = serializers.ChoiceField(
        choices=["LIVE", "RETIRED", "REJECTED"], required=False
    )


class FitFiguresSerializer(serializers.Serializer):
    samples = serializers.IntegerField()
    accuracy = serializers.FloatField()
    logLoss = serializers.FloatField()
    auc = serializers.FloatField(allow_null=True)
    brier = serializers.FloatField()
    baseline = serializers.DictField(
        help_text="The naive model (always the period's rate of rises): "
        "accuracy, logLoss, brier."
    )


class ModelVersionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    key = serializers.CharField(help_text="name:symbol:timeframe")
    name = serializers.CharField()
    kind = serializers.CharField()
    symbol = serializers.CharField()
    timeframe = serializers.CharField()
    version = serializers.IntegerField()
    status = serializers.CharField(help_text="LIVE, RETIRED or REJECTED.")
    parameters = serializers.DictField()
    trainingWindow = serializers.DictField(help_text="start, end, candles")
    outOfSample = FitFiguresSerializer()
    inSample = FitFiguresSerializer()
    comparison = serializers.DictField(
        help_text="Against the live version on candles neither had seen."
    )
    createdAt = serializers.DateTimeField()
    promotedAt = serializers.DateTimeField(allow_null=True)


class RetrainBody(serializers.Serializer):
    models = serializers.ListField(
        child=serializers.CharField(max_length=80),
        required=False,
        max_length=200,
        help_text="Model keys (name:symbol:timeframe); every live model when left out.",
    )


class RetrainResultSerializer(serializers.Serializer):
    model = serializers.CharField()
    status = serializers.CharField(
        help_text="PROMOTED (went live), KEPT (the live version stayed) or FAILED."
    )
    version = serializers.IntegerField(required=False)
    liveVersion = serializers.IntegerField(allow_null=True, required=False)
    reason = serializers.CharField(required=False)
    candidateLogLoss = serializers.FloatField(allow_null=True, required=False)
    liveLogLoss = serializers.FloatField(allow_null=True, required=False)
    comparedCandles = serializers.IntegerField(allow_null=True, required=False)
    error = serializers.CharField(required=False)


class RetrainJobSerializer(serializers.Serializer):
    jobId = serializers.UUIDField(source="id")
    status = serializers.CharField(help_text="PENDING, RUNNING, SUCCEEDED or FAILED.")
    trigger = serializers.CharField()
    models = serializers.ListField(child=serializers.CharField(), source="targets")
    progress = serializers.SerializerMethodField()
    results = RetrainResultSerializer(many=True)
    error = serializers.CharField()
    attempts = serializers.IntegerField()
    createdAt = serializers.DateTimeField(source="created_at")
    startedAt = serializers.DateTimeField(source="started_at", allow_null=True)
    finishedAt = serializers.DateTimeField(source="finished_at", allow_null=True)

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "done": {"type": "integer"},
                "total": {"type": "integer"},
                "fraction": {"type": "number"},
            },
        }
    )
    def get_progress(self, job):
        total = len(job.targets)
        return {
            "done": job.done,
            "total": total,
            "fraction": (Decimal(job.done) / Decimal(total)).quantize(Decimal("0.0001"))
            if total
            else Decimal(1),
        }
