from rest_framework.permissions import BasePermission


class IsAdminRole(BasePermission):
    """The API's admins: role ``admin`` (Django's staff flag is for /admin/)."""

    message = "Admins only."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_admin)
