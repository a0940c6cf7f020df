import django_filters

from core.filters import CreatedRangeFilterSet
from trading.choices import OrderStatus, OrderType, PositionStatus, Side
from trading.models import Order, Position


class OrderFilter(CreatedRangeFilterSet):
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    symbol = django_filters.CharFilter(method="filter_symbol")
    side = django_filters.ChoiceFilter(choices=Side.choices)
    type = django_filters.ChoiceFilter(choices=OrderType.choices)

    class Meta:
        model = Order
        fields = ["status", "symbol", "side", "type"]

    def filter_symbol(self, queryset, name, value):
        return queryset.filter(symbol=value.strip().upper())


class PositionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[*PositionStatus.choices, ("ALL", "ALL")],
        method="filter_status",
        help_text="OPEN (the default), CLOSED (history) or ALL.",
    )
    symbol = django_filters.CharFilter(method="filter_symbol")

    class Meta:
        model = Position
        fields = ["status", "symbol"]

    def filter_symbol(self, queryset, name, value):
        return queryset.filter(symbol=value.strip().upper())

    def filter_status(self, queryset, name, value):
        return queryset if value == "ALL" else queryset.filter(status=value)

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status=PositionStatus.OPEN)
        return super().filter_queryset(queryset)
