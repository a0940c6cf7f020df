"""Reads for the accounts API: no writes here."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditLog, User
from core import stats
from core.errors import NotFound
from core.time import utc_now

SHARE_PLACES = Decimal("0.0001")


def live_users():
    return User.objects.filter(deleted_at__isnull=True)


def user_by_id(user_id):
    user = live_users().filter(pk=user_id).first()
    if user is None:
        raise NotFound("No such user.")
    return user


def search_users(queryset, text):
    text = text.strip()
    if not text:
        return queryset
    return queryset.filter(
        Q(email__icontains=text)
        | Q(first_name__icontains=text)
        | Q(last_name__icontains=text)
    )


def audit_entries():
    return AuditLog.objects.select_related("user", "actor")


def user_stats(now=None):
    """Counts over accounts that are not deleted."""
    now = now or utc_now()
    week_ago = now - timedelta(days=7)
    users = live_users()
    total = users.count()
    with_2fa = (
        TOTPDevice.objects.filter(confirmed=True, user__deleted_at__isnull=True)
        .values("user")
        .distinct()
        .count()
    )
    share = (
        (Decimal(with_2fa) / Decimal(total)).quantize(SHARE_PLACES)
        if total
        else (Decimal("0"))
    )
    return {
        "total": total,
        "newThisWeek": users.filter(created_at__gte=week_ago).count(),
        "active": users.filter(is_active=True).count(),
        "activeThisWeek": users.filter(last_login__gte=week_ago).count(),
        "admins": users.filter(role="admin").count(),
        "twoFactorEnabled": with_2fa,
        "twoFactorShare": share,
    }


def platform_stats():
    now = utc_now()
    return {"users": user_stats(now), "metrics": stats.collect(), "generatedAt": now}
