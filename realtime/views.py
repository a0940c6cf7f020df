from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def polling_refused(request):
    """Engine.IO's HTTP long-polling is not served: say so in its error format."""
    return JsonResponse(
        {
            "code": 3,
            "message": (
                "HTTP long-polling is not supported; connect with the websocket "
                "transport: io(url, { transports: ['websocket'], auth: { token } })"
            ),
        },
        status=400,
    )
