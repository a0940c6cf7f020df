from django.urls import re_path

from accounts.views import users

HEX = "[0-9a-fA-F]"
UUID = rf"(?P<userId>{HEX}{{8}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{12}})"

urlpatterns = [
    re_path(r"^me/?$", users.MeView.as_view(), name="users-me"),
    re_path(r"^me/avatar/?$", users.AvatarView.as_view(), name="users-me-avatar"),
    re_path(rf"^{UUID}/?$", users.UserDetailView.as_view(), name="users-detail"),
]
