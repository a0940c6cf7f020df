"""OpenAPI additions shared by every route: the error envelope and its statuses."""

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "statusCode", "timestamp"],
            "properties": {
                "code": {"type": "string", "example": "VALIDATION_ERROR"},
                "message": {"type": "string"},
                "statusCode": {"type": "integer", "example": 422},
                "timestamp": {"type": "string", "format": "date-time"},
                "requestId": {"type": "string"},
                "details": {
                    "type": "object",
                    "description": "Each invalid field and its reasons.",
                    "additionalProperties": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        },
                    },
                },
            },
        }
    },
}

_DESCRIPTIONS = {
    "400": "BAD_REQUEST: the body is not valid JSON.",
    "401": "UNAUTHORIZED: missing, invalid or expired token.",
    "403": "FORBIDDEN: the user may not do this.",
    "404": "NOT_FOUND: no such resource for this user.",
    "422": "VALIDATION_ERROR: `details` names each invalid field.",
    "429": "RATE_LIMIT_EXCEEDED: see `Retry-After`.",
    "500": "INTERNAL_ERROR: logged with the request id.",
}

_BODY_METHODS = {"post", "put", "patch"}


def _error_statuses(path, method, operation):
    statuses = ["429", "500"]
    if operation.get("security") and {} not in operation["security"]:
        statuses.append("401")
        statuses.append("403")
    if "{" in path:
        statuses.append("404")
    if method in _BODY_METHODS:
        statuses.append("400")
    if method in _BODY_METHODS or operation.get("parameters"):
        statuses.append("422")
    return statuses


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the envelope on every route."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorEnvelope"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/ErrorEnvelope"}

    # Routes accept an optional trailing slash; document them as the API does.
    result["paths"] = {
        (path.rstrip("/") or "/"): methods
        for path, methods in result.get("paths", {}).items()
    }

    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            for status in _error_statuses(path, method, operation):
                responses.setdefault(
                    status,
                    {
                        "description": _DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
    return result
