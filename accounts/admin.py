from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import AuditLog, AuthSession, User
from accounts.services import sessions


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["-created_at"]
    list_display = ["email", "first_name", "last_name", "role", "plan", "is_active"]
    list_filter = ["role", "plan", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = ["created_at", "updated_at", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["first_name", "last_name", "avatar", "plan"]}),
        (
            "Access",
            {"fields": ["role", "is_active", "is_staff", "is_superuser", "groups"]},
        ),
        ("Dates", {"fields": ["last_login", "created_at", "updated_at", "deleted_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]


@admin.register(AuthSession)
class AuthSessionAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "method", "created_at", "rotated_at", "revoked_at"]
    list_filter = ["method", "revoke_reason"]
    search_fields = ["user__email", "id", "ip"]
    raw_id_fields = ["user"]
    readonly_fields = [
        "id",
        "user",
        "method",
        "refresh_jti",
        "rotated_at",
        "expires_at",
        "ip",
        "user_agent",
        "created_at",
    ]
    actions = ["end_sessions"]

    @admin.action(description="End the selected sessions")
    def end_sessions(self, request, queryset):
        for session in queryset.filter(revoked_at__isnull=True):
            sessions.revoke(session, reason="admin")


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "level", "event", "user", "actor", "ip", "message"]
    list_filter = ["level", "event"]
    search_fields = ["user__email", "actor__email", "message", "ip"]
    date_hierarchy = "created_at"

    # The trail is written by the application only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
