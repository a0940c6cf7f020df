"""Registration and password login."""

import logging

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework.exceptions import ErrorDetail, ValidationError

from accounts.errors import InvalidCredentials, TotpRequired
from accounts.models import AuditEvent, User
from accounts.services import audit, sessions, two_factor

logger = logging.getLogger(__name__)

# Hashed when the email is unknown, so that a miss costs what a hit costs and the
# answer time does not tell which emails have accounts.
_DUMMY_PASSWORD = "timing-equaliser-not-a-password"


def normalize_email(email):
    return User.objects.normalize_email(email or "").strip().lower()


def _email_taken():
    return ValidationError(
        {"email": [ErrorDetail("This email is registered.", code="email_taken")]}
    )


def register(*, email, password, first_name="", last_name="", client=audit.NO_CLIENT):
    """A new trader account and its first session."""
    email = normalize_email(email)
    candidate = User(email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise ValidationError(
            {
                "password": [
                    ErrorDetail(message, code=error.code or "invalid")
                    for error, message in zip(exc.error_list, exc.messages, strict=True)
                ]
            }
        )

    if User.objects.filter(email=email).exists():
        raise _email_taken()
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email, password, first_name=first_name, last_name=last_name
            )
    except IntegrityError:
        # Two registrations of one email raced; the other one won.
        raise _email_taken()

    logger.info("Registered user %s", user.pk)
    audit.record(AuditEvent.REGISTER, "Registered", user=user, client=client)
    return user, sessions.start_session(user, method="register", client=client)


def _check_password(email, password):
    """The active user with these credentials, or None, in similar time either way."""
    user = User.objects.filter(email=email).first()
    if user is None:
        make_password(password or _DUMMY_PASSWORD)
        return None, None
    if not user.check_password(password or ""):
        return None, user
    if not user.is_active or user.deleted_at is not None:
        return None, user
    return user, user


def login(*, email, password, totp_code=None, client=audit.NO_CLIENT):
    """Check the credentials (and the second factor) and open a session."""
    email = normalize_email(email)
    user, known = _check_password(email, password)
    if user is None:
        audit.record(
            AuditEvent.LOGIN_FAILED,
            "Wrong email or password",
            user=known,
            client=client,
            email=email,
        )
        raise InvalidCredentials()

    complete_second_factor(user, totp_code, client=client)
    pair = sessions.start_session(user, method="password", client=client)
    audit.record(AuditEvent.LOGIN, "Logged in", user=user, client=client)
    return user, pair


def complete_second_factor(user, totp_code, *, client=audit.NO_CLIENT):
    """Raise unless ``user`` has no 2FA or ``totp_code`` passes it."""
    if not two_factor.is_enabled(user):
        return
    if not totp_code:
        audit.record(
            AuditEvent.LOGIN_FAILED,
            "Password accepted, two-factor code missing",
            user=user,
            client=client,
            reason="totp_required",
        )
        raise TotpRequired()
    two_factor.check_code(user, totp_code, client=client, purpose="login")
