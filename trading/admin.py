from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm

from core.errors import APIError
from trading.models import (
    Account,
    Balance,
    Fill,
    Kline,
    LedgerEntry,
    Order,
    Position,
    Symbol,
)
from trading.services import fund_account


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


# Paper exchange -------------------------------------------------------------------


class FundForm(ActionForm):
    asset = forms.CharField(max_length=10, required=False, initial="USDT")
    amount = forms.DecimalField(
        max_digits=20, decimal_places=8, required=False, min_value=Decimal("0.00000001")
    )


class BalanceInline(admin.TabularInline):
    model = Balance
    fields = ("asset", "available", "locked", "updated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at")
    search_fields = ("user__email",)
    raw_id_fields = ("user",)
    inlines = [BalanceInline]
    action_form = FundForm
    actions = ["fund_accounts"]

    @admin.action(description="Fund the selected accounts (asset and amount above)")
    def fund_accounts(self, request, queryset):
        asset = (request.POST.get("asset") or "USDT").strip().upper()
        raw = request.POST.get("amount") or ""
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            self.message_user(request, "Enter an amount.", messages.ERROR)
            return
        done = 0
        for account in queryset:
            try:
                fund_account.fund(account, asset, amount, note=f"by {request.user}")
            except APIError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return
            done += 1
        self.message_user(request, f"Deposited {amount} {asset} into {done} accounts.")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money rows are written by the services only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ("account", "asset", "available", "locked", "updated_at")
    list_filter = ("asset",)
    search_fields = ("account__user__email",)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "account",
        "asset",
        "kind",
        "available_delta",
        "locked_delta",
        "order",
    )
    list_filter = ("kind", "asset")
    search_fields = ("account__user__email", "order__id")
    show_full_result_count = False


class FillInline(admin.TabularInline):
    model = Fill
    fields = ("created_at", "price", "quantity", "quote_qty", "fee", "is_maker")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "user",
        "symbol",
        "side",
        "type",
        "quantity",
        "price",
        "status",
        "executed_qty",
    )
    list_filter = ("status", "type", "side", "symbol")
    search_fields = ("user__email", "id", "client_order_id")
    date_hierarchy = "created_at"
    inlines = [FillInline]
    show_full_result_count = False


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = (
        "opened_at",
        "user",
        "symbol",
        "status",
        "quantity",
        "avg_entry_price",
        "realized_pnl",
    )
    list_filter = ("status", "symbol")
    search_fields = ("user__email", "id")
