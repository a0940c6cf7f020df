from django.urls import re_path

from accounts.views import admin

HEX = "[0-9a-fA-F]"
UUID = rf"(?P<userId>{HEX}{{8}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{12}})"

urlpatterns = [
    re_path(r"^stats/?$", admin.StatsView.as_view(), name="admin-stats"),
    re_path(r"^users/?$", admin.UserListView.as_view(), name="admin-users"),
    re_path(rf"^users/{UUID}/?$", admin.UserAdminView.as_view(), name="admin-user"),
    re_path(r"^logs/?$", admin.AuditLogListView.as_view(), name="admin-logs"),
]
