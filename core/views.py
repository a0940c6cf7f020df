from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import errors, health
from core.serializers import HealthSerializer, PingSerializer
from core.time import isoformat, utc_now


class HealthView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Platform health",
        description=(
            "Probes each service. `unhealthy` (HTTP 503) when the database is down; "
            "`degraded` when another service is down. A service replaced by its "
            "in-process form reads `embedded`; one not set up reads `not_configured`."
        ),
        responses={200: HealthSerializer, 503: HealthSerializer},
        tags=["health"],
    )
    def get(self, request):
        status, services = health.check_all()
        body = {
            "status": status,
            "timestamp": isoformat(utc_now()),
            "services": services,
            "uptime": health.uptime_seconds(),
        }
        return Response(body, status=503 if status == health.UNHEALTHY else 200)


class PingView(APIView):
    """The cheapest DRF endpoint: liveness, and the benchmarks' reference."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(summary="Liveness", responses=PingSerializer, tags=["health"])
    def get(self, request):
        return Response({"pong": True, "timestamp": isoformat(utc_now())})


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Any ``/api`` path no route claims."""
    return errors.error_response(
        errors.NOT_FOUND, f"No route for {request.method} {request.path}.", 404
    )


def bad_request(request, exception=None, *args, **kwargs):
    """handler400, met for example when the Host header is not allowed."""
    if request.path.startswith("/api/"):
        return errors.error_response(errors.BAD_REQUEST, "Bad request.", 400)
    from django.views.defaults import bad_request as django_bad_request

    return django_bad_request(request, exception)


def server_error(request, *args, **kwargs):
    """handler500 for paths outside DRF: the envelope under /api, plain otherwise."""
    if request.path.startswith("/api/"):
        return errors.error_response(
            errors.INTERNAL_ERROR, "An unexpected error occurred.", 500
        )
    from django.views.defaults import server_error as django_server_error

    return django_server_error(request)
