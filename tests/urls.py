"""The platform's routes plus a few views that exist only to exercise the shared
conventions (pagination, forced errors) before domain apps provide their own."""

import django_filters
from django.urls import include, path
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config.urls import urlpatterns as platform_patterns
from core.filters import CreatedRangeFilterSet


class UserRowSerializer(serializers.ModelSerializer):
    firstName = serializers.CharField(source="first_name")
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "firstName", "createdAt"]


class UserRowFilter(CreatedRangeFilterSet):
    role = django_filters.ChoiceFilter(choices=[("user", "user"), ("admin", "admin")])

    class Meta:
        model = User
        fields = ["role"]


class UserRowsView(generics.ListCreateAPIView):
    permission_classes = [AllowAny]
    serializer_class = UserRowSerializer
    filterset_class = UserRowFilter
    sort_fields = {"createdAt": "created_at", "email": "email"}
    default_sort = "createdAt"
    queryset = User.objects.all()


class CrashView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("secret internals: db password is hunter2")


class ProtectedView(APIView):
    def get(self, request):
        return Response({"ok": True})


class AdminOnlyView(APIView):
    permission_classes = [IsAdminUser]

    def get(self, request):
        return Response({"ok": True})


class UserRowView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = UserRowSerializer
    queryset = User.objects.all()


class EchoView(APIView):
    """Echoes the parsed body, to show how numbers arrive and leave."""

    permission_classes = [AllowAny]

    def post(self, request):
        return Response({"received": request.data})


def plain_crash(request):
    raise RuntimeError("plain view internals")


test_patterns = [
    path("rows", UserRowsView.as_view()),
    path("crash", CrashView.as_view()),
    path("plain-crash", plain_crash),
    path("protected", ProtectedView.as_view()),
    path("admin-only", AdminOnlyView.as_view()),
    path("rows/<uuid:pk>", UserRowView.as_view()),
    path("echo", EchoView.as_view()),
]

urlpatterns = [path("api/test/", include(test_patterns)), *platform_patterns]
