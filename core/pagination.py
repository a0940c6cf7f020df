"""Pagination and sorting as the API documents them.

``?page=1&limit=20&sortBy=createdAt&order=DESC`` answers
``{"data": [...], "pagination": {page, limit, total, totalPages, hasNext,
hasPrevious}}``. A page, limit or sort field that is not valid is a 422, never a
silent default.
"""

import math

from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def _positive_int(params, name, default, maximum=None):
    raw = params.get(name)
    if raw is None or raw == "":
        return default, None
    try:
        value = int(raw)
    except ValueError:
        return None, f"{name} must be a whole number."
    if value < 1:
        return None, f"{name} must be at least 1."
    if maximum is not None and value > maximum:
        return None, f"{name} must be at most {maximum}."
    return value, None


class PagePagination(BasePagination):
    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def paginate_queryset(self, queryset, request, view=None):
        params = request.query_params
        page, page_error = _positive_int(params, "page", 1)
        limit, limit_error = _positive_int(
            params, "limit", self.default_limit, self.max_limit
        )
        errors = {}
        if page_error:
            errors["page"] = [page_error]
        if limit_error:
            errors["limit"] = [limit_error]
        if errors:
            raise ValidationError(errors)

        self.page = page
        self.limit = limit
        self.total = queryset.count()
        offset = (page - 1) * limit
        # Past the last page is an empty page, not an error: clients that page while
        # rows disappear land there legitimately.
        if offset >= self.total:
            return []
        return list(queryset[offset : offset + limit])

    def pagination_meta(self):
        total_pages = math.ceil(self.total / self.limit) if self.total else 0
        return {
            "page": self.page,
            "limit": self.limit,
            "total": self.total,
            "totalPages": total_pages,
            "hasNext": self.page < total_pages,
            "hasPrevious": self.page > 1,
        }

    def get_paginated_response(self, data):
        return Response({"data": data, "pagination": self.pagination_meta()})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["data", "pagination"],
            "properties": {
                "data": schema,
                "pagination": {
                    "type": "object",
                    "required": [
                        "page",
                        "limit",
                        "total",
                        "totalPages",
                        "hasNext",
                        "hasPrevious",
                    ],
                    "properties": {
                        "page": {"type": "integer", "minimum": 1},
                        "limit": {"type": "integer", "minimum": 1, "maximum": 100},
                        "total": {"type": "integer"},
                        "totalPages": {"type": "integer"},
                        "hasNext": {"type": "boolean"},
                        "hasPrevious": {"type": "boolean"},
                    },
                },
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_limit,
                    "default": self.default_limit,
                },
            },
        ]


class SortFilterBackend(BaseFilterBackend):
    """``sortBy`` from the view's ``sort_fields`` allow-list and ``order`` ASC/DESC.

    A view declares ``sort_fields = {"createdAt": "created_at", ...}`` and
    ``default_sort = "createdAt"``; the default order is DESC. The primary key
    breaks ties so pages never overlap.
    """

    def filter_queryset(self, request, queryset, view):
        fields = getattr(view, "sort_fields", None) or {}
        sort_by = request.query_params.get("sortBy") or getattr(
            view, "default_sort", None
        )
        order = (request.query_params.get("order") or "DESC").upper()

        errors = {}
        if sort_by is not None and sort_by not in fields:
            allowed = ", ".join(sorted(fields)) or "none"
            errors["sortBy"] = [f"sortBy must be one of: {allowed}."]
        if order not in ("ASC", "DESC"):
            errors["order"] = ["order must be ASC or DESC."]
        if errors:
            raise ValidationError(errors)
        if sort_by is None:
            return queryset

        prefix = "-" if order == "DESC" else ""
        return queryset.order_by(prefix + fields[sort_by], prefix + "pk")

    def get_schema_operation_parameters(self, view):
        fields = sorted(getattr(view, "sort_fields", None) or {})
        if not fields:
            return []
        return [
            {
                "name": "sortBy",
                "in": "query",
                "required": False,
                "schema": {
                    "type": "string",
                    "enum": fields,
                    "default": getattr(view, "default_sort", None),
                },
            },
            {
                "name": "order",
                "in": "query",
                "required": False,
                "schema": {
                    "type": "string",
                    "enum": ["ASC", "DESC"],
                    "default": "DESC",
                },
            },
        ]
