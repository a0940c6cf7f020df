"""/api/trading/orders and /api/trading/positions: parse, call a service or a
selector, answer."""

import logging

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ValidationFailed
from core.schema import ERROR_SCHEMA
from trading import presenters, selectors
from trading.filters import OrderFilter, PositionFilter
from trading.models import Order, Position
from trading.serializers import (
    OrderCreateSerializer,
    OrderEnvelopeSerializer,
    OrderSerializer,
    PositionCloseSerializer,
    PositionSerializer,
)
from trading.services.cancel_order import cancel_order
from trading.services.close_position import close_position
from trading.services.execution import recorded_fills
from trading.services.place_order import OrderRequest, place_order

logger = logging.getLogger(__name__)

ORDER_TAGS = ["orders"]
POSITION_TAGS = ["positions"]
ORDER_ID = OpenApiParameter(
    "orderId", OpenApiTypes.UUID, OpenApiParameter.PATH, description="An order's id."
)
POSITION_ID = OpenApiParameter(
    "positionId",
    OpenApiTypes.UUID,
    OpenApiParameter.PATH,
    description="A position's id.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="A retried request with the same key answers the first order.",
)
REFUSED = OpenApiResponse(
    response=ERROR_SCHEMA,
    description="VALIDATION_ERROR: `details` names the field and the reason, such "
    "as INSUFFICIENT_BALANCE, MIN_NOTIONAL, STEP_SIZE, TICK_SIZE, MIN_QTY, "
    "WOULD_TRIGGER_IMMEDIATELY.",
)
KEY_REUSED = OpenApiResponse(
    response=ERROR_SCHEMA,
    description="IDEMPOTENCY_KEY_REUSED: the key was used for a different order.",
)
NOT_CANCELABLE = OpenApiResponse(
    response=ERROR_SCHEMA,
    description="VALIDATION_ERROR with reason ORDER_NOT_CANCELABLE: it has ended.",
)
NOT_FOUND = OpenApiResponse(
    response=ERROR_SCHEMA, description="NOT_FOUND: no such order for this user."
)
ORDER_SORTS = {"createdAt": "created_at", "updatedAt": "updated_at"}


def _order_response(order, status_code=status.HTTP_200_OK, new=False):
    # A new order answers the fills its placement made, without reading them back.
    fills = recorded_fills(order) if new else list(order.fills.all())
    return Response({"order": presenters.order_body(order, fills)}, status=status_code)


class _OrderList(generics.ListAPIView):
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    sort_fields = ORDER_SORTS
    default_sort = "createdAt"

    def list_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return selectors.with_fills(self.list_queryset())


class OrdersView(_OrderList):
    def list_queryset(self):
        return selectors.orders_of(self.request.user)

    @extend_schema(
        summary="List my orders",
        description="Filter by `status`, `symbol`, `side`, `type` and the creation "
        "date (`startDate`, `endDate`); each order lists its fills.",
        tags=ORDER_TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Place an order",
        description="MARKET orders fill at once against the order book (walking "
        "it, with the taker fee); LIMIT orders fill what crosses the book and "
        "rest (GTC) or expire (IOC, FOK); STOP_LOSS_LIMIT and TAKE_PROFIT_LIMIT "
        "wait for `stopPrice`. `stopLoss`/`takeProfit` on a BUY place protective "
        "exits when it fills. Fees are charged in the quote asset. A retry with "
        "the same `clientOrderId` or `Idempotency-Key` answers the first order "
        "(200) instead of placing another (201).",
        parameters=[IDEMPOTENCY_KEY],
        request=OrderCreateSerializer,
        responses={
            201: OrderEnvelopeSerializer,
            200: OrderEnvelopeSerializer,
            409: KEY_REUSED,
            422: REFUSED,
        },
        tags=ORDER_TAGS,
    )
    def post(self, request):
        form = OrderCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key") or None
        if key is not None and not 1 <= len(key) <= 128:
            raise ValidationFailed("Idempotency-Key", "At most 128 characters.")
        order, created = place_order(
            request.user, OrderRequest(**form.validated_data), idempotency_key=key
        )
        if created:
            return _order_response(order, status.HTTP_201_CREATED, new=True)
        return _order_response(order)


class ActiveOrdersView(_OrderList):
    def list_queryset(self):
        return selectors.active_orders_of(self.request.user)

    @extend_schema(
        summary="My active orders",
        description="NEW and PARTIALLY_FILLED, including stops not yet triggered.",
        tags=ORDER_TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OrderHistoryView(_OrderList):
    def list_queryset(self):
        return selectors.order_history_of(self.request.user)

    @extend_schema(
        summary="My order history",
        description="Orders that have ended: FILLED, CANCELED, REJECTED, EXPIRED.",
        tags=ORDER_TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OrderDetailView(APIView):
    @extend_schema(
        summary="An order with its fills",
        parameters=[ORDER_ID],
        responses={200: OrderEnvelopeSerializer, 404: NOT_FOUND},
        tags=ORDER_TAGS,
    )
    def get(self, request, orderId):
        return _order_response(selectors.order_of(request.user, orderId))

    @extend_schema(
        summary="Cancel an order",
        description="What it locked is released. An order that has ended (such "
        "as FILLED) cannot be canceled.",
        parameters=[ORDER_ID],
        responses={200: OrderEnvelopeSerializer, 404: NOT_FOUND, 422: NOT_CANCELABLE},
        tags=ORDER_TAGS,
    )
    def delete(self, request, orderId):
        order = cancel_order(request.user, orderId)
        return _order_response(selectors.order_of(request.user, order.pk))


class PositionsView(generics.ListAPIView):
    serializer_class = PositionSerializer
    filterset_class = PositionFilter
    sort_fields = {"openedAt": "opened_at", "closedAt": "closed_at"}
    default_sort = "openedAt"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Position.objects.none()
        return selectors.positions_of(self.request.user, status=None)

    @extend_schema(
        summary="My positions",
        description="Open positions by default; `status=CLOSED` for history, "
        "`ALL` for both. Current price and unrealized PnL come from the market.",
        tags=POSITION_TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PositionDetailView(APIView):
    @extend_schema(
        summary="A position",
        parameters=[POSITION_ID],
        responses={200: PositionSerializer, 404: NOT_FOUND},
        tags=POSITION_TAGS,
    )
    def get(self, request, positionId):
        position = selectors.position_of(request.user, positionId)
        return Response(PositionSerializer(position).data)


class PositionCloseView(APIView):
    @extend_schema(
        summary="Close a position",
        description="Cancels its protective exits and other sells, then sells "
        "what it holds at market.",
        parameters=[POSITION_ID],
        request=None,
        responses={200: PositionCloseSerializer, 404: NOT_FOUND, 422: REFUSED},
        tags=POSITION_TAGS,
    )
    def post(self, request, positionId):
        order, position = close_position(request.user, positionId)
        position = selectors.position_of(request.user, position.pk)
        return Response(
            {
                "order": presenters.order_body(order, recorded_fills(order)),
                "position": PositionSerializer(position).data,
            }
        )
