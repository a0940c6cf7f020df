"""TOTP two-factor authentication with django-otp, and one-time backup codes.

A user has at most one TOTP device. Setup creates it unconfirmed; the first valid
code confirms it, which turns 2FA on and issues backup codes. django-otp refuses a
code whose time step was already used (replay) and slows down repeated failures.
"""

import base64
import io
import logging

import qrcode
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.errors import (
    TWO_FACTOR_ALREADY_ENABLED,
    TWO_FACTOR_NOT_ENABLED,
    InvalidTotpCode,
)
from accounts.models import AuditEvent
from accounts.services import audit
from core.errors import Conflict

logger = logging.getLogger(__name__)

DEVICE_NAME = "default"
BACKUP_DEVICE_NAME = "backup"
BACKUP_CODE_COUNT = 10


def confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_enabled(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes(user):
    return list(
        StaticToken.objects.filter(
            device__user=user, device__name=BACKUP_DEVICE_NAME
        ).values_list("token", flat=True)
    )


def _qr_data_uri(text):
    image = qrcode.make(text)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"data:image/png;base64,{encoded}"


def start_setup(user):
    """A fresh unconfirmed device; answers its otpauth URI and QR code."""
    if is_enabled(user):
        raise Conflict(
            "Two-factor authentication is already on.",
            code=TWO_FACTOR_ALREADY_ENABLED,
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    uri = device.config_url
    logger.info("2FA setup started for user %s", user.pk)
    return {
        "otpauthUri": uri,
        "secret": base64.b32encode(device.bin_key).decode("ascii"),
        "qrCode": _qr_data_uri(uri),
    }


def _replace_backup_codes(user):
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=code) for code in codes]
    )
    return codes


def confirm_setup(user, code, *, client=audit.NO_CLIENT):
    """The first code turns 2FA on; answers the backup codes."""
    if is_enabled(user):
        raise Conflict(
            "Two-factor authentication is already on.",
            code=TWO_FACTOR_ALREADY_ENABLED,
        )
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .first()
        )
        if device is None:
            raise Conflict("Start the setup first.", code=TWO_FACTOR_NOT_ENABLED)
        verified = device.verify_token(code)
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _replace_backup_codes(user)

    if not verified:
        _failed(user, client, "setup")
        raise InvalidTotpCode()
    audit.record(AuditEvent.TWO_FACTOR_ENABLED, "2FA enabled", user=user, client=client)
    return codes


def _failed(user, client, purpose):
    audit.record(
        AuditEvent.TOTP_FAILED,
        f"Wrong two-factor code ({purpose})",
        user=user,
        client=client,
        purpose=purpose,
    )


def _is_totp_shaped(code):
    return code.isdigit() and len(code) <= 8


def check_code(
    user, code, *, client=audit.NO_CLIENT, purpose="login", allow_backup=True
):
    """Spend one code of ``user``: a TOTP code, or a backup code when allowed.

    The device row is locked while it is checked, so the same code sent twice at
    once is accepted at most once. Raises ``InvalidTotpCode`` when it is refused.
    """
    code = (code or "").strip().replace(" ", "")
    used_backup = False
    with transaction.atomic():
        if _is_totp_shaped(code):
            device = (
                TOTPDevice.objects.select_for_update()
                .filter(user=user, confirmed=True)
                .first()
            )
            verified = device is not None and device.verify_token(code)
        else:
            verified = False
            if allow_backup:
                backup = (
                    StaticDevice.objects.select_for_update()
                    .filter(user=user, name=BACKUP_DEVICE_NAME)
                    .first()
                )
                verified = backup is not None and backup.verify_token(code.lower())
                used_backup = verified

    if not verified:
        _failed(user, client, purpose)
        raise InvalidTotpCode()
    if used_backup:
        audit.record(
            AuditEvent.BACKUP_CODE_USED,
            "Backup code used",
            user=user,
            client=client,
            remaining=len(backup_codes(user)),
        )


def regenerate_backup_codes(user, code, *, client=audit.NO_CLIENT):
    require_enabled(user)
    check_code(user, code, client=client, purpose="backup_codes", allow_backup=False)
    with transaction.atomic():
        codes = _replace_backup_codes(user)
    audit.record(
        AuditEvent.BACKUP_CODES_REGENERATED,
        "Backup codes regenerated",
        user=user,
        client=client,
    )
    return codes


def disable(user, code, *, client=audit.NO_CLIENT):
    require_enabled(user)
    check_code(user, code, client=client, purpose="disable")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user, name=BACKUP_DEVICE_NAME).delete()
    audit.record(
        AuditEvent.TWO_FACTOR_DISABLED, "2FA disabled", user=user, client=client
    )


def require_enabled(user):
    if not is_enabled(user):
        raise Conflict("Two-factor authentication is off.", code=TWO_FACTOR_NOT_ENABLED)
