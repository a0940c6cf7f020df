"""The ML routes: parse, call a service, answer."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ValidationFailed
from mlsignals import data, serializers
from mlsignals.models import Signal
from mlsignals.services import analysis, health, overlays, signals
from mlsignals.texts import language

SYMBOL = OpenApiParameter(
    "symbol", OpenApiTypes.STR, OpenApiParameter.PATH, description="e.g. BTCUSDT"
)
ACCEPT_LANGUAGE = OpenApiParameter(
    "Accept-Language",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="`en` for English; Spanish otherwise (the default).",
)
TAGS = ["ml"]


def _query(request, serializer_class):
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _specs(names):
    specs = []
    for name in names:
        specs.append(data.symbol_spec(name, field="symbols"))
    if len({spec.symbol for spec in specs}) != len(specs):
        raise ValidationFailed("symbols", "Each symbol may appear once.")
    return specs


class HealthView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="ML engine health",
        description="Models loaded, last training and last signal, and whether the "
        "market data source answers now.",
        responses=serializers.MlHealthSerializer,
        tags=TAGS,
    )
    def get(self, request):
        return Response(health.state())


class ConnectionView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="ML data source connection",
        responses=serializers.ConnectionSerializer,
        tags=TAGS,
    )
    def get(self, request):
        return Response(health.connection())


class SignalView(APIView):
    @extend_schema(
        summary="Trading signal of the newest closed candle",
        description="BUY, SELL or HOLD from the symbol's trained logistic model; "
        "`confidence` is its probability that the direction is right.",
        parameters=[SYMBOL, serializers.TimeframeQuery],
        responses=serializers.SignalSerializer,
        tags=TAGS,
    )
    def get(self, request, symbol):
        query = _query(request, serializers.TimeframeQuery)
        spec = data.symbol_spec(symbol)
        return Response(signals.get_signal(spec, query["timeframe"]))


class SignalBatchView(APIView):
    @extend_schema(
        summary="Signals of up to 20 symbols",
        request=serializers.BatchBody,
        responses=serializers.SignalListSerializer,
        tags=TAGS,
    )
    def post(self, request):
        body = serializers.BatchBody(data=request.data)
        body.is_valid(raise_exception=True)
        specs = _specs(body.validated_data["symbols"])
        found = signals.batch(specs, body.validated_data["timeframe"])
        return Response({"data": found})


class SignalHistoryView(ListAPIView):
    serializer_class = serializers.SignalHistorySerializer
    sort_fields = {"createdAt": "created_at", "timestamp": "candle_open"}
    default_sort = "timestamp"
    filter_backends = [*ListAPIView.filter_backends]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Signal.objects.none()
        query = _query(self.request, serializers.HistoryQuery)
        spec = data.symbol_spec(self.kwargs["symbol"])
        return signals.history(spec.symbol, query.get("timeframe"))

    @extend_schema(
        summary="Signals issued for a symbol and how they turned out",
        parameters=[SYMBOL, serializers.HistoryQuery],
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PredictionView(APIView):
    @extend_schema(
        summary="Price path with 80% and 95% bands",
        description="Damped-trend exponential smoothing on log prices, with its "
        "walk-forward error beside the naive last-price forecast.",
        parameters=[SYMBOL, serializers.PredictionQuery],
        responses=serializers.PredictionSerializer,
        tags=TAGS,
    )
    def get(self, request, symbol):
        query = _query(request, serializers.PredictionQuery)
        spec = data.symbol_spec(symbol)
        return Response(
            analysis.prediction_report(spec, query["timeframe"], query["horizon"])
        )


class AmdView(APIView):
    @extend_schema(
        summary="AMD phase of the newest closed candle",
        parameters=[SYMBOL, serializers.TimeframeQuery, ACCEPT_LANGUAGE],
        responses=serializers.AmdSerializer,
        tags=TAGS,
    )
    def get(self, request, symbol):
        query = _query(request, serializers.TimeframeQuery)
        spec = data.symbol_spec(symbol)
        lang = language(request.headers.get("Accept-Language"))
        return Response(analysis.amd_report(spec, query["timeframe"], lang))


class IndicatorsView(APIView):
    @extend_schema(
        summary="Technical indicators (TA-Lib), readings and chart series",
        parameters=[SYMBOL, serializers.IndicatorsQuery],
        responses=serializers.IndicatorsSerializer,
        tags=TAGS,
    )
    def get(self, request, symbol):
        query = _query(request, serializers.IndicatorsQuery)
        spec = data.symbol_spec(symbol)
        return Response(
            analysis.indicators_report(spec, query["timeframe"], query["limit"])
        )


class OverlayView(APIView):
    @extend_schema(
        summary="Every chart overlay: levels, signal markers, AMD zones, bands",
        parameters=[SYMBOL, serializers.OverlayQuery],
        responses=serializers.OverlaySerializer,
        tags=TAGS,
    )
    def get(self, request, symbol):
        query = _query(request, serializers.OverlayQuery)
        spec = data.symbol_spec(symbol)
        return Response(overlays.everything(spec, query["timeframe"], query["limit"]))


class OverlayBatchView(APIView):
    @extend_schema(
        summary="Overlays of up to 20 symbols",
        request=serializers.BatchBody,
        responses=serializers.OverlayBatchSerializer,
        tags=TAGS,
    )
    def post(self, request):
        body = serializers.BatchBody(data=request.data)
        body.is_valid(raise_exception=True)
        specs = _specs(body.validated_data["symbols"])
        timeframe = body.validated_data["timeframe"]
        return Response(
            {"data": [overlays.everything(spec, timeframe) for spec in specs]}
        )


class LevelsOverlayView(APIView):
    @extend_schema(
        summary="Support and resistance levels as price lines",
        parameters=[SYMBOL, serializers.TimeframeQuery],
        responses=serializers.LevelsOverlaySerializer,
        tags=TAGS,
    )
    def get(self, request, symbol):
        query = _query(request, serializers.TimeframeQuery)
        spec = data.symbol_spec(symbol)
        timeframe = query["timeframe"]
        return Response(
            {
                "symbol": spec.symbol,
                "timeframe": timeframe,
                "levels": overlays.levels(spec, timeframe),
            }
        )


class SignalsOverlayView(APIView):
    @extend_schema(
        summary="Stored signals as chart markers",
        parameters=[SYMBOL, serializers.OverlayQuery],
        responses=serializers.SignalsOverlaySerializer,
        tags=TAGS,
    )
    def get(self, request, symbol):
        query = _query(request, serializers.OverlayQuery)
        spec = data.symbol_spec(symbol)
        timeframe = query["timeframe"]
        return Response(
            {
                "symbol": spec.symbol,
                "timeframe": timeframe,
                "markers": overlays.signal_markers(spec, timeframe, query["limit"]),
            }
        )


class AmdOverlayView(APIView):
    @extend_schema(
        summary="AMD phases as chart zones",
        parameters=[SYMBOL, serializers.OverlayQuery],
        responses=serializers.AmdOverlaySerializer,
        tags=TAGS,
    )
    def get(self, request, symbol):
        query = _query(request, serializers.OverlayQuery)
        spec = data.symbol_spec(symbol)
        timeframe = query["timeframe"]
        return Response(
            {
                "symbol": spec.symbol,
                "timeframe": timeframe,
                "zones": overlays.amd_zones(spec, timeframe, query["limit"]),
            }
        )


class PredictionsOverlayView(APIView):
    @extend_schema(
        summary="Prediction path and bands as chart series",
        parameters=[SYMBOL, serializers.PredictionQuery],
        responses=serializers.PredictionsOverlaySerializer,
        tags=TAGS,
    )
    def get(self, request, symbol):
        query = _query(request, serializers.PredictionQuery)
        spec = data.symbol_spec(symbol)
        timeframe = query["timeframe"]
        return Response(
            {
                "symbol": spec.symbol,
                "timeframe": timeframe,
                "bands": overlays.prediction_bands(spec, timeframe, query["horizon"]),
            }
        )
