"""The ML routes: parse, call a service, answer."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdminRole
from core.errors import NotFound, ValidationFailed
from core.schema import ERROR_SCHEMA
from mlsignals import data, serializers
from mlsignals.backtest import metrics
from mlsignals.backtest.strategies import STRATEGIES
from mlsignals.models import BacktestRun, RetrainJob, Signal, SignalModel
from mlsignals.services import (
    analysis,
    backtests,
    health,
    overlays,
    registry,
    signals,
)
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


class SingleOverlayView(APIView):
    """One chart overlay of one symbol; subclasses name its query, its key in the
    answer and how it is built."""

    query_class = serializers.OverlayQuery
    key = None

    def build(self, spec, timeframe, query):
        raise NotImplementedError

    def get(self, request, symbol):
        query = _query(request, self.query_class)
        spec = data.symbol_spec(symbol)
        timeframe = query["timeframe"]
        return Response(
            {
                "symbol": spec.symbol,
                "timeframe": timeframe,
                self.key: self.build(spec, timeframe, query),
            }
        )


def _overlay_schema(summary, query_class, response):
    return extend_schema_view(
        get=extend_schema(
            summary=summary,
            parameters=[SYMBOL, query_class],
            responses=response,
            tags=TAGS,
        )
    )


@_overlay_schema(
    "Support and resistance levels as price lines",
    serializers.TimeframeQuery,
    serializers.LevelsOverlaySerializer,
)
class LevelsOverlayView(SingleOverlayView):
    query_class = serializers.TimeframeQuery
    key = "levels"

    def build(self, spec, timeframe, query):
        return overlays.levels(spec, timeframe)


@_overlay_schema(
    "Stored signals as chart markers",
    serializers.OverlayQuery,
    serializers.SignalsOverlaySerializer,
)
class SignalsOverlayView(SingleOverlayView):
    key = "markers"

    def build(self, spec, timeframe, query):
        return overlays.signal_markers(spec, timeframe, query["limit"])


@_overlay_schema(
    "AMD phases as chart zones",
    serializers.OverlayQuery,
    serializers.AmdOverlaySerializer,
)
class AmdOverlayView(SingleOverlayView):
    key = "zones"

    def build(self, spec, timeframe, query):
        return overlays.amd_zones(spec, timeframe, query["limit"])


@_overlay_schema(
    "Prediction path and bands as chart series",
    serializers.PredictionQuery,
    serializers.PredictionsOverlaySerializer,
)
class PredictionsOverlayView(SingleOverlayView):
    query_class = serializers.PredictionQuery
    key = "bands"

    def build(self, spec, timeframe, query):
        return overlays.prediction_bands(spec, timeframe, query["horizon"])


# Backtests -----------------------------------------------------------------------

BACKTEST_TAGS = ["ml-backtest"]
REFUSED = OpenApiResponse(
    response=ERROR_SCHEMA,
    description="VALIDATION_ERROR naming the field: a strategy parameter "
    "(`parameters.<name>`), an end before the start, a range over the limit "
    "(RANGE_TOO_LARGE), no data (NO_DATA, NOT_ENOUGH_DATA), no trained model for "
    "ML_SIGNAL (NO_MODEL).",
)
NO_JOB = OpenApiResponse(
    response=ERROR_SCHEMA, description="NOT_FOUND: no such job (for this user)."
)
ADMINS_ONLY = OpenApiResponse(
    response=ERROR_SCHEMA, description="FORBIDDEN: admins only."
)
NO_MODEL = OpenApiResponse(
    response=ERROR_SCHEMA,
    description="VALIDATION_ERROR on `models`: a key that names no live model "
    "(UNKNOWN_MODEL), or no model at all.",
)
JOB_ID = OpenApiParameter("jobId", OpenApiTypes.UUID, OpenApiParameter.PATH)
STRATEGY_HELP = "\n".join(
    f"- `{key}`: {cls.summary} Parameters: "
    + ", ".join(
        f"`{p.name}` ({p.describe()['type']}, default {p.default}, "
        f"{p.minimum}..{p.maximum})"
        for p in cls.params
    )
    for key, cls in STRATEGIES.items()
)


class BacktestView(ListAPIView):
    serializer_class = serializers.BacktestJobSerializer
    sort_fields = {"createdAt": "created_at"}
    default_sort = "createdAt"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BacktestRun.objects.none()
        return backtests.for_user(self.request.user)

    @extend_schema(
        summary="The caller's backtests, newest first",
        tags=BACKTEST_TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Run a backtest",
        description="Runs on a worker. Answers 200 with the results when they are "
        "ready within a few seconds, otherwise 202 with the job id to poll at "
        "`GET /api/ml/backtest/{jobId}`. Decisions are taken on closed candles "
        "and filled at the next candle's open; stops are checked intrabar (the "
        "stop first when both are touched). Strategies:\n\n"
        + STRATEGY_HELP
        + "\n\n"
        + metrics.__doc__,
        request=serializers.BacktestBody,
        responses={
            200: serializers.BacktestJobSerializer,
            202: serializers.BacktestJobSerializer,
            422: REFUSED,
        },
        tags=BACKTEST_TAGS,
    )
    def post(self, request):
        body = serializers.BacktestBody(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        run, future = backtests.start(
            request.user,
            symbol=values.pop("symbol"),
            strategy=values.pop("strategy"),
            timeframe=values.pop("timeframe"),
            start=values.pop("startDate"),
            end=values.pop("endDate"),
            initial_capital=values.pop("initialCapital"),
            parameters=values.pop("parameters"),
            options=values,
        )
        run = backtests.wait(run, future)
        answer = serializers.BacktestJobSerializer(run).data
        if run.is_final:
            return Response(answer)
        return Response(
            answer,
            status=202,
            headers={"Location": f"/api/ml/backtest/{run.id}"},
        )


class BacktestJobView(APIView):
    @extend_schema(
        summary="A backtest's status and, once done, its results",
        parameters=[JOB_ID],
        responses={200: serializers.BacktestJobSerializer, 404: NO_JOB},
        tags=BACKTEST_TAGS,
    )
    def get(self, request, job_id):
        run = backtests.get_for_user(request.user, job_id)
        return Response(serializers.BacktestJobSerializer(run).data)


# Model registry (admins) ------------------------------------------------------------

MODEL_TAGS = ["ml-models"]


class ModelListView(ListAPIView):
    permission_classes = [IsAdminRole]
    serializer_class = serializers.ModelVersionSerializer
    sort_fields = {"createdAt": "created_at", "version": "version"}
    default_sort = "createdAt"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SignalModel.objects.none()
        query = _query(self.request, serializers.ModelQuery)
        return registry.versions(
            query.get("symbol"), query.get("timeframe"), query.get("status")
        )

    def get_serializer(self, rows=None, **kwargs):
        # The registry's view of each version, then the documented shape.
        if rows is not None and kwargs.get("many"):
            rows = [registry.describe(row) for row in rows]
        return super().get_serializer(rows, **kwargs)

    @extend_schema(
        summary="Every version of every model, with its out-of-sample figures",
        description="LIVE versions serve signals; RETIRED ones were live before; "
        "REJECTED candidates did not beat the live version out of sample.",
        parameters=[serializers.ModelQuery],
        responses={
            200: serializers.ModelVersionSerializer(many=True),
            403: ADMINS_ONLY,
        },
        tags=MODEL_TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RetrainView(APIView):
    permission_classes = [IsAdminRole]

    @extend_schema(
        summary="Retrain every live model, or the named ones",
        description="Starts a job and answers its id at once. A new version goes "
        "live only if its log loss beats the live version's on candles neither "
        "has seen; every version is kept.",
        request=serializers.RetrainBody,
        responses={
            202: serializers.RetrainJobSerializer,
            403: ADMINS_ONLY,
            422: NO_MODEL,
        },
        tags=MODEL_TAGS,
    )
    def post(self, request):
        body = serializers.RetrainBody(data=request.data)
        body.is_valid(raise_exception=True)
        job = registry.start_retrain(request.user, body.validated_data.get("models"))
        registry.dispatch(job)
        job.refresh_from_db()
        return Response(
            serializers.RetrainJobSerializer(job).data,
            status=202,
            headers={"Location": f"/api/ml/models/retrain/{job.id}"},
        )


class RetrainJobView(APIView):
    permission_classes = [IsAdminRole]

    @extend_schema(
        summary="A retraining job's status, progress and per-model results",
        parameters=[JOB_ID],
        responses={
            200: serializers.RetrainJobSerializer,
            403: ADMINS_ONLY,
            404: NO_JOB,
        },
        tags=MODEL_TAGS,
    )
    def get(self, request, job_id):
        job = RetrainJob.objects.filter(pk=job_id).first()
        if job is None:
            raise NotFound("No retraining job with this id.")
        return Response(serializers.RetrainJobSerializer(job).data)
