from django.contrib import admin

from mlsignals.models import Signal, SignalModel


@admin.register(SignalModel)
class SignalModelAdmin(admin.ModelAdmin):
    list_display = ("name", "symbol", "timeframe", "version", "is_active", "created_at")
    list_filter = ("is_active", "timeframe", "symbol")
    readonly_fields = ("params", "metrics")


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    list_display = (
        "symbol",
        "timeframe",
        "candle_open",
        "signal",
        "strength",
        "confidence",
        "outcome",
    )
    list_filter = ("signal", "outcome", "timeframe", "symbol")
