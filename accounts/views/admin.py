"""/api/admin: platform figures, user management and the audit log."""

import logging

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors
from accounts import serializers as s
from accounts.filters import AdminUserFilter, AuditLogFilter
from accounts.models import User
from accounts.permissions import IsAdminRole
from accounts.services import admin_users
from accounts.views.common import USER_ID, client_of, error
from core.time import isoformat

logger = logging.getLogger(__name__)

TAGS = ["admin"]
FORBIDDEN = error("FORBIDDEN: admins only.")


class StatsView(APIView):
    permission_classes = [IsAdminRole]

    @extend_schema(
        summary="Platform statistics",
        description="User counts, plus the figures other apps register (such as "
        "orders and volume) under `metrics`.",
        responses={200: s.StatsSerializer, 403: FORBIDDEN},
        tags=TAGS,
    )
    def get(self, request):
        figures = selectors.platform_stats()
        figures["generatedAt"] = isoformat(figures["generatedAt"])
        return Response(figures)


class UserListView(generics.ListAPIView):
    permission_classes = [IsAdminRole]
    serializer_class = s.AdminUserSerializer
    filterset_class = AdminUserFilter
    sort_fields = {
        "createdAt": "created_at",
        "email": "email",
        "lastLogin": "last_login",
    }
    default_sort = "createdAt"
    queryset = User.objects.all()

    @extend_schema(
        summary="List users",
        description="Filter by `role`, `active`, `search` (email or name) and the "
        "creation date; deleted accounts only with `deleted=true`.",
        responses={200: s.AdminUserSerializer(many=True), 403: FORBIDDEN},
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class UserAdminView(APIView):
    permission_classes = [IsAdminRole]

    @extend_schema(
        summary="Update a user's role or active flag",
        description="Disabling an account ends its sessions at once. Admins cannot "
        "demote or disable themselves.",
        parameters=[USER_ID],
        request=s.AdminUserUpdateSerializer,
        responses={200: s.AdminUserSerializer, 403: FORBIDDEN},
        tags=TAGS,
    )
    def patch(self, request, userId):
        form = s.AdminUserUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = admin_users.update_user(
            request.user,
            userId,
            role=form.validated_data.get("role"),
            active=form.validated_data.get("active"),
            client=client_of(request),
        )
        return Response(s.AdminUserSerializer(user, context={"request": request}).data)

    @extend_schema(
        summary="Delete a user",
        description="A soft delete: the account is closed and its sessions end, "
        "but the row stays so that its orders and ledger keep their owner.",
        parameters=[USER_ID],
        responses={204: None, 403: FORBIDDEN},
        tags=TAGS,
    )
    def delete(self, request, userId):
        admin_users.soft_delete(request.user, userId, client=client_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuditLogListView(generics.ListAPIView):
    permission_classes = [IsAdminRole]
    serializer_class = s.AuditLogSerializer
    filterset_class = AuditLogFilter
    sort_fields = {"createdAt": "created_at"}
    default_sort = "createdAt"

    def get_queryset(self):
        return selectors.audit_entries()

    @extend_schema(
        summary="Audit log",
        description="Security and admin events: logins, failed logins, 2FA "
        "changes, refused token refreshes, admin actions. Filter by `level`, "
        "`event`, `userId` and date.",
        responses={200: s.AuditLogSerializer(many=True), 403: FORBIDDEN},
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
