import django_filters

from accounts import selectors
from accounts.models import AuditEvent, AuditLevel, AuditLog, Role, User
from core.filters import CreatedRangeFilterSet


class AdminUserFilter(CreatedRangeFilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    active = django_filters.BooleanFilter(field_name="is_active")
    deleted = django_filters.BooleanFilter(
        method="filter_deleted",
        help_text="Deleted accounts are left out unless this is true.",
    )
    search = django_filters.CharFilter(
        method="filter_search", help_text="Part of the email, first or last name."
    )

    class Meta:
        model = User
        fields = ["role", "active", "deleted", "search"]

    def filter_queryset(self, queryset):
        if self.form.cleaned_data.get("deleted") is None:
            queryset = queryset.filter(deleted_at__isnull=True)
        return super().filter_queryset(queryset)

    def filter_deleted(self, queryset, name, value):
        return queryset.filter(deleted_at__isnull=not value)

    def filter_search(self, queryset, name, value):
        return selectors.search_users(queryset, value)


class AuditLogFilter(CreatedRangeFilterSet):
    level = django_filters.ChoiceFilter(choices=AuditLevel.choices)
    event = django_filters.ChoiceFilter(choices=AuditEvent.choices)
    userId = django_filters.UUIDFilter(field_name="user_id")

    class Meta:
        model = AuditLog
        fields = ["level", "event", "userId"]
