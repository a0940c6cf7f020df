import uuid

from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.db import models

from core.time import utc_now


class Role(models.TextChoices):
    USER = "user", "User"
    ADMIN = "admin", "Admin"


class Plan(models.TextChoices):
    FREE = "free", "Free"
    PRO = "pro", "Pro"
    PREMIUM = "premium", "Premium"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("role", Role.USER)
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(role=Role.ADMIN, is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A trader or an admin, who logs in with an email address."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.USER)
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    plan = models.CharField(max_length=16, choices=Plan.choices, default=Plan.FREE)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=utc_now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.email

    @property
    def is_admin(self):
        return self.role == Role.ADMIN

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email


class AuthSession(models.Model):
    """One login on one device: the server-side half of a pair of JWTs.

    Every access token names its session (the ``sid`` claim), so revoking the
    session stops the access token at once. ``refresh_jti`` is the only refresh
    token of the session that may still be exchanged; rotation replaces it with a
    conditional update, so two concurrent refreshes have exactly one winner.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="auth_sessions"
    )
    method = models.CharField(max_length=32, default="password")
    refresh_jti = models.CharField(max_length=64, db_index=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)
    created_at = models.DateTimeField(default=utc_now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self):
        return f"session {self.id} of {self.user_id}"

    @property
    def is_active(self):
        return self.revoked_at is None


class AuditLevel(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


class AuditEvent(models.TextChoices):
    REGISTER = "register", "Registration"
    LOGIN = "login", "Login"
    LOGIN_FAILED = "login_failed", "Failed login"
    LOGOUT = "logout", "Logout"
    OAUTH_LOGIN = "oauth_login", "OAuth login"
    OAUTH_FAILED = "oauth_failed", "Failed OAuth login"
    TOKEN_REFRESH_FAILED = "token_refresh_failed", "Failed token refresh"
    TOTP_FAILED = "totp_failed", "Failed 2FA code"
    TWO_FACTOR_ENABLED = "2fa_enabled", "2FA enabled"
    TWO_FACTOR_DISABLED = "2fa_disabled", "2FA disabled"
    BACKUP_CODES_REGENERATED = "backup_codes_regenerated", "Backup codes regenerated"
    BACKUP_CODE_USED = "backup_code_used", "Backup code used"
    PROFILE_UPDATED = "profile_updated", "Profile updated"
    ADMIN_USER_UPDATED = "admin_user_updated", "User updated by an admin"
    ADMIN_USER_DELETED = "admin_user_deleted", "User deleted by an admin"


class AuditLog(models.Model):
    """A security or admin event, kept for the admin's log view."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=utc_now, editable=False, db_index=True)
    level = models.CharField(max_length=16, choices=AuditLevel.choices)
    event = models.CharField(max_length=32, choices=AuditEvent.choices, db_index=True)
    # The account the event is about, and who caused it when that is someone else
    # (an admin). Both survive the deletion of the account as NULL.
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    actor = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_actions",
    )
    message = models.CharField(max_length=255)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.event}"
