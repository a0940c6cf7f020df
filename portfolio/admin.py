from django.contrib import admin

from portfolio.models import EquityDay, EquitySnapshot


@admin.register(EquitySnapshot)
class EquitySnapshotAdmin(admin.ModelAdmin):
    list_display = ("account", "time", "equity", "cash", "net_flows")
    list_select_related = ("account__user",)
    search_fields = ("account__user__email",)
    date_hierarchy = "time"
    show_full_result_count = False


@admin.register(EquityDay)
class EquityDayAdmin(admin.ModelAdmin):
    list_display = ("account", "day", "count", "growth", "last_equity")
    list_select_related = ("account__user",)
    search_fields = ("account__user__email",)
