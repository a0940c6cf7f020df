from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from accounts.services.audit import Client
from core.ratelimit import client_ip
from core.schema import ERROR_SCHEMA


def client_of(request):
    """The caller's address and agent, for the audit trail."""
    ip = client_ip(request)
    return Client(
        ip=None if ip == "unknown" else ip,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:256],
    )


def error(description):
    """An error response documented with its codes."""
    return OpenApiResponse(response=ERROR_SCHEMA, description=description)


USER_ID = OpenApiParameter(
    "userId", OpenApiTypes.UUID, OpenApiParameter.PATH, description="A user's id."
)
