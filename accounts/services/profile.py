"""Changes a user makes to their own profile."""

import io
import logging
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from accounts.models import AuditEvent, User
from accounts.services import audit
from core.errors import ValidationFailed

logger = logging.getLogger(__name__)

PROFILE_FIELDS = ("first_name", "last_name")
ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


def update_profile(user, changes, *, client=audit.NO_CLIENT):
    """Apply ``changes`` (only the profile fields) to ``user``."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    if not changes:
        return user
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(**changes)
    user.refresh_from_db()
    audit.record(
        AuditEvent.PROFILE_UPDATED,
        "Profile updated",
        user=user,
        client=client,
        fields=sorted(changes),
    )
    return user


def _open_image(upload):
    if upload.size > settings.AVATAR_MAX_BYTES:
        raise ValidationFailed(
            "avatar",
            f"The image is larger than {settings.AVATAR_MAX_BYTES} bytes.",
            reason="TOO_LARGE",
        )
    data = upload.read()
    try:
        # verify() walks the whole file without decoding it; a truncated or
        # forged file fails here. The image is then opened again to decode it.
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
            image_format = probe.format
        image = Image.open(io.BytesIO(data))
        # Guard against decompression bombs before decoding pixels.
        width, height = image.size
        if width * height > settings.AVATAR_MAX_PIXELS:
            raise ValidationFailed(
                "avatar", "The image has too many pixels.", reason="TOO_LARGE"
            )
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationFailed(
            "avatar", "The file is not a readable image.", reason="INVALID_IMAGE"
        )
    if image_format not in ALLOWED_FORMATS:
        raise ValidationFailed(
            "avatar",
            "Use a JPEG, PNG, GIF or WebP image.",
            reason="UNSUPPORTED_FORMAT",
        )
    return image


def set_avatar(user, upload):
    """Re-encode the uploaded image as a square-bounded PNG without metadata."""
    image = _open_image(upload)
    image = image.convert("RGBA")
    side = settings.AVATAR_SIDE_PIXELS
    image.thumbnail((side, side))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)

    previous = user.avatar.name if user.avatar else None
    name = f"{user.pk}-{uuid.uuid4().hex[:12]}.png"
    user.avatar.save(name, ContentFile(buffer.getvalue()), save=False)
    user.save(update_fields=["avatar", "updated_at"])
    if previous:
        # The old file is dropped only once the new one is stored and saved.
        user.avatar.storage.delete(previous)
    logger.info("User %s changed avatar (%sx%s)", user.pk, *image.size)
    return user
