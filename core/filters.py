"""Shared django-filter pieces: date bounds that take a date or an ISO datetime."""

from datetime import UTC, datetime, time, timedelta

import django_filters
from django import forms
from django.utils.dateparse import parse_date, parse_datetime


class DateOrDateTimeField(forms.Field):
    """``2024-01-01`` or ``2024-01-01T10:00:00Z``; naive values are UTC."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip()
        try:
            # A bare date stays a date: as an upper bound it means the whole day.
            day = parse_date(text)
            if day is not None:
                return day
            moment = parse_datetime(text)
            if moment is None:
                raise ValueError
        except ValueError:
            raise forms.ValidationError(
                "Enter a date (YYYY-MM-DD) or an ISO-8601 datetime.", code="invalid"
            )
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class DateBoundFilter(django_filters.Filter):
    """Lower (``gte``) or upper bound on a datetime field.

    A bare date as an upper bound includes that whole day.
    """

    field_class = DateOrDateTimeField

    def __init__(self, *args, upper=False, **kwargs):
        self.upper = upper
        kwargs.setdefault("lookup_expr", "lt" if upper else "gte")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        if not isinstance(value, datetime):
            value = datetime.combine(value, time.min, tzinfo=UTC)
            if self.upper:
                value += timedelta(days=1)
        elif self.upper:
            # An explicit instant as an upper bound is inclusive.
            return qs.filter(**{f"{self.field_name}__lte": value})
        return qs.filter(**{f"{self.field_name}__{self.lookup_expr}": value})


class CreatedRangeFilterSet(django_filters.FilterSet):
    """Base for list filters: ``startDate`` and ``endDate`` on ``created_at``."""

    startDate = DateBoundFilter(field_name="created_at")
    endDate = DateBoundFilter(field_name="created_at", upper=True)
