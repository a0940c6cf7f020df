"""/api/portfolio: parse the query, call a service, answer."""

import logging

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.schema import ERROR_SCHEMA
from portfolio import serializers
from portfolio.services import holdings, performance, pnl
from trading import selectors as trading_selectors

logger = logging.getLogger(__name__)

TAGS = ["portfolio"]
BAD_QUERY = OpenApiResponse(
    response=ERROR_SCHEMA,
    description="VALIDATION_ERROR: `details` names the parameter (an unknown "
    "`period` or `groupBy`).",
)


def _query(serializer_class, request):
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class PortfolioView(APIView):
    @extend_schema(
        summary="My portfolio",
        description="Total equity in the quote asset at current prices, cash, "
        "each holding with its value and weight, the open positions, and the "
        "change over the last 24 hours (deposits excluded).",
        responses=serializers.PortfolioSerializer,
        tags=TAGS,
    )
    def get(self, request):
        return Response(holdings.overview(request.user))


class BalanceView(APIView):
    @extend_schema(
        summary="My balances",
        description="Free, locked and total per asset, with its value in the "
        "quote asset at the current price.",
        responses=serializers.BalanceSerializer,
        tags=TAGS,
    )
    def get(self, request):
        return Response(holdings.balance(request.user))


class PerformanceView(APIView):
    @extend_schema(
        summary="Performance over a period",
        description="Time-weighted return (deposits are not returns), "
        "annualized return and volatility, Sharpe and Sortino, maximum drawdown "
        "with its dates, trade statistics over the positions closed in the "
        "period, the equity curve and a buy-and-hold benchmark. The README's "
        "portfolio section gives each formula.",
        parameters=[serializers.PeriodQuerySerializer],
        responses={200: serializers.PerformanceSerializer, 422: BAD_QUERY},
        tags=TAGS,
    )
    def get(self, request):
        query = _query(serializers.PeriodQuerySerializer, request)
        account = trading_selectors.account_of(request.user)
        return Response(performance.performance(request.user, account, query["period"]))


class PnlView(APIView):
    @extend_schema(
        summary="Profit and loss over a period",
        description="Realized PnL of the fills in the period (fees included), "
        "unrealized PnL of the open positions at current prices, split by day "
        "or by symbol.",
        parameters=[serializers.PnlQuerySerializer],
        responses={200: serializers.PnlSerializer, 422: BAD_QUERY},
        tags=TAGS,
    )
    def get(self, request):
        query = _query(serializers.PnlQuerySerializer, request)
        return Response(pnl.pnl(request.user, query["period"], query["groupBy"]))


class AllocationView(APIView):
    @extend_schema(
        summary="Asset allocation",
        description="Weights of the equity by asset, by symbol of the open "
        "positions, and cash against invested.",
        responses=serializers.AllocationSerializer,
        tags=TAGS,
    )
    def get(self, request):
        return Response(holdings.allocation(request.user))
