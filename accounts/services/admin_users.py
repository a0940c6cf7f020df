"""What an admin does to other accounts."""

import logging

from django.db import transaction

from accounts.models import AuditEvent, Role, User
from accounts.services import audit, sessions
from core.errors import NotFound, ValidationFailed
from core.time import utc_now

logger = logging.getLogger(__name__)


def _live_user(user_id):
    user = User.objects.filter(pk=user_id, deleted_at__isnull=True).first()
    if user is None:
        raise NotFound("No such user.")
    return user


def update_user(admin, user_id, *, role=None, active=None, client=audit.NO_CLIENT):
    """Change the role or the active flag; disabling ends every session."""
    with transaction.atomic():
        user = _live_user(user_id)
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.pk == admin.pk and (role == Role.USER or active is False):
            field = "role" if role == Role.USER else "active"
            raise ValidationFailed(
                field, "Admins cannot demote or disable themselves.", reason="SELF"
            )

        changes = {}
        if role is not None and role != user.role:
            changes["role"] = [user.role, role]
            user.role = role
            if role == Role.USER:
                # The Django admin follows the API role: a demoted admin loses it.
                user.is_staff = False
                user.is_superuser = False
        if active is not None and active != user.is_active:
            changes["active"] = [user.is_active, active]
            user.is_active = active
        user.save()

    if active is False and "active" in changes:
        sessions.revoke_all(user, reason="disabled")
    if changes:
        audit.record(
            AuditEvent.ADMIN_USER_UPDATED,
            f"Admin changed {', '.join(sorted(changes))}",
            user=user,
            actor=admin,
            client=client,
            changes=changes,
        )
    return user


def soft_delete(admin, user_id, *, client=audit.NO_CLIENT):
    """Close the account but keep the row, so its orders and ledger keep their owner.

    TODO: personal data (email, names, avatar) stays on the row; an erasure request
    needs it anonymised while the financial records stay attached to the id.
    """
    with transaction.atomic():
        user = _live_user(user_id)
        if user.pk == admin.pk:
            raise ValidationFailed(
                "userId", "Admins cannot delete themselves.", reason="SELF"
            )
        User.objects.filter(pk=user.pk).update(
            deleted_at=utc_now(), is_active=False, updated_at=utc_now()
        )
        user.refresh_from_db()

    sessions.revoke_all(user, reason="deleted")
    audit.record(
        AuditEvent.ADMIN_USER_DELETED,
        "Admin deleted the account",
        user=user,
        actor=admin,
        client=client,
    )
    logger.info("Admin %s deleted user %s", admin.pk, user.pk)
