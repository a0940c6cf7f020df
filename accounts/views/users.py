"""/api/users: the caller's own profile, and any profile for admins."""

import logging

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors
from accounts import serializers as s
from accounts.permissions import IsAdminRole
from accounts.services import profile
from accounts.views.common import USER_ID, client_of, error

logger = logging.getLogger(__name__)

TAGS = ["users"]


class MeView(APIView):
    @extend_schema(summary="My profile", responses=s.ProfileSerializer, tags=TAGS)
    def get(self, request):
        return Response(
            s.ProfileSerializer(request.user, context={"request": request}).data
        )

    @extend_schema(
        summary="Update my profile",
        description="Only `firstName` and `lastName`; any other field (such as "
        "`role` or `plan`) is a 422 with code `NOT_ALLOWED`.",
        request=s.ProfileUpdateSerializer,
        responses=s.ProfileSerializer,
        tags=TAGS,
    )
    def patch(self, request):
        form = s.ProfileUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = profile.update_profile(
            request.user, form.validated_data, client=client_of(request)
        )
        return Response(s.ProfileSerializer(user, context={"request": request}).data)


class AvatarView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Upload my avatar",
        description="multipart/form-data with an `avatar` file: a JPEG, PNG, GIF "
        "or WebP image within the size limit. It is re-encoded as a PNG of at most "
        "512 pixels a side, without metadata.",
        request={"multipart/form-data": s.AvatarUploadSerializer},
        responses=s.ProfileSerializer,
        tags=TAGS,
    )
    def post(self, request):
        form = s.AvatarUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = profile.set_avatar(request.user, form.validated_data["avatar"])
        return Response(s.ProfileSerializer(user, context={"request": request}).data)


class UserDetailView(APIView):
    permission_classes = [IsAdminRole]

    @extend_schema(
        summary="A user by id (admins)",
        parameters=[USER_ID],
        responses={200: s.AdminUserSerializer, 403: error("FORBIDDEN: admins only.")},
        tags=TAGS,
    )
    def get(self, request, userId):
        user = selectors.user_by_id(userId)
        return Response(s.AdminUserSerializer(user, context={"request": request}).data)
