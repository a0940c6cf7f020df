from django.contrib import admin

from trading.models import Kline, Symbol


@admin.register(Symbol)
class SymbolAdmin(admin.ModelAdmin):
    list_display = (
        "symbol",
        "status",
        "tick_size",
        "step_size",
        "min_qty",
        "min_notional",
    )
    list_filter = ("status", "quote_asset")
    search_fields = ("symbol", "base_asset")


@admin.register(Kline)
class KlineAdmin(admin.ModelAdmin):
    list_display = ("symbol", "interval", "open_time", "close_e8", "source")
    list_filter = ("interval", "source", "symbol")
    list_select_related = ("symbol",)
    show_full_result_count = False
