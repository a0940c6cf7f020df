"""Shapes of the accounts API, in camelCase."""

from django.conf import settings
from rest_framework import serializers

from accounts.models import AuditEvent, AuditLevel, AuditLog, Role, User
from accounts.services import two_factor

# --- Users -------------------------------------------------------------------


class AuthUserSerializer(serializers.ModelSerializer):
    """The user as login and registration answer it (the documented shape)."""

    firstName = serializers.CharField(source="first_name")
    lastName = serializers.CharField(source="last_name")

    class Meta:
        model = User
        fields = ["id", "email", "firstName", "lastName", "role"]
        read_only_fields = fields


class ProfileSerializer(serializers.ModelSerializer):
    firstName = serializers.CharField(source="first_name", read_only=True)
    lastName = serializers.CharField(source="last_name", read_only=True)
    avatar = serializers.SerializerMethodField()
    twoFactorEnabled = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "firstName",
            "lastName",
            "role",
            "plan",
            "avatar",
            "twoFactorEnabled",
            "createdAt",
        ]
        read_only_fields = fields

    def get_avatar(self, user) -> str | None:
        if not user.avatar:
            return None
        url = user.avatar.url
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_twoFactorEnabled(self, user) -> bool:
        return two_factor.is_enabled(user)


class AdminUserSerializer(ProfileSerializer):
    active = serializers.BooleanField(source="is_active", read_only=True)
    lastLogin = serializers.DateTimeField(source="last_login", read_only=True)
    deletedAt = serializers.DateTimeField(source="deleted_at", read_only=True)

    class Meta(ProfileSerializer.Meta):
        fields = ProfileSerializer.Meta.fields + ["active", "lastLogin", "deletedAt"]
        read_only_fields = fields


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not declare: a 422 names each one.

    Ignoring them would hide a client's mistake, and for fields such as ``role``
    a silent drop is easy to mistake for success.
    """

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {
                    name: serializers.ErrorDetail(
                        "This field cannot be set here.", code="not_allowed"
                    )
                    for name in unknown
                }
            )
        return attrs


class ProfileUpdateSerializer(StrictSerializer):
    firstName = serializers.CharField(
        source="first_name", max_length=150, allow_blank=True, required=False
    )
    lastName = serializers.CharField(
        source="last_name", max_length=150, allow_blank=True, required=False
    )


class AvatarUploadSerializer(serializers.Serializer):
    avatar = serializers.FileField(
        help_text="A JPEG, PNG, GIF or WebP image; it is re-encoded as PNG."
    )

    def validate_avatar(self, upload):
        if upload.size > settings.AVATAR_MAX_BYTES:
            raise serializers.ValidationError(
                f"The image is larger than {settings.AVATAR_MAX_BYTES} bytes.",
                code="too_large",
            )
        return upload


class AdminUserUpdateSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    active = serializers.BooleanField(required=False)


# --- Auth ----------------------------------------------------------------------


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128)
    firstName = serializers.CharField(max_length=150, required=False, default="")
    lastName = serializers.CharField(max_length=150, required=False, default="")


class LoginSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128)
    totpCode = serializers.CharField(max_length=32, required=False, allow_blank=True)


class RefreshSerializer(serializers.Serializer):
    refreshToken = serializers.CharField()


class TokenPairSerializer(serializers.Serializer):
    accessToken = serializers.CharField()
    refreshToken = serializers.CharField()
    expiresIn = serializers.IntegerField(help_text="Access token lifetime, seconds.")


class AuthResponseSerializer(TokenPairSerializer):
    user = AuthUserSerializer()


class IdTokenLoginSerializer(serializers.Serializer):
    idToken = serializers.CharField()
    totpCode = serializers.CharField(max_length=32, required=False, allow_blank=True)


class AccessTokenLoginSerializer(serializers.Serializer):
    accessToken = serializers.CharField(required=False)
    code = serializers.CharField(required=False)
    redirectUri = serializers.URLField(required=False)
    totpCode = serializers.CharField(max_length=32, required=False, allow_blank=True)

    def validate(self, attrs):
        if bool(attrs.get("accessToken")) == bool(attrs.get("code")):
            raise serializers.ValidationError(
                {
                    "accessToken": serializers.ErrorDetail(
                        "Send either accessToken or code.", code="required"
                    )
                }
            )
        return attrs


# --- Two-factor ----------------------------------------------------------------


class TwoFactorStatusSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    backupCodesRemaining = serializers.IntegerField()


class TwoFactorSetupSerializer(serializers.Serializer):
    otpauthUri = serializers.CharField()
    secret = serializers.CharField(help_text="Base32 secret, for manual entry.")
    qrCode = serializers.CharField(help_text="A PNG image as a data: URI.")


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)


class BackupCodesSerializer(serializers.Serializer):
    backupCodes = serializers.ListField(child=serializers.CharField())


# --- Admin ---------------------------------------------------------------------


class UserStatsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    newThisWeek = serializers.IntegerField()
    active = serializers.IntegerField(help_text="Accounts enabled.")
    activeThisWeek = serializers.IntegerField(help_text="Logged in in 7 days.")
    admins = serializers.IntegerField()
    twoFactorEnabled = serializers.IntegerField()
    twoFactorShare = serializers.DecimalField(
        max_digits=5, decimal_places=4, help_text="Share of users with 2FA, 0 to 1."
    )


class StatsSerializer(serializers.Serializer):
    users = UserStatsSerializer()
    metrics = serializers.DictField(
        child=serializers.DecimalField(
            max_digits=30, decimal_places=8, allow_null=True
        ),
        help_text="Figures other apps register, such as orders and volume.",
    )
    generatedAt = serializers.DateTimeField()


class AuditLogSerializer(serializers.ModelSerializer):
    level = serializers.ChoiceField(choices=AuditLevel.choices)
    event = serializers.ChoiceField(choices=AuditEvent.choices)
    userId = serializers.UUIDField(source="user_id", allow_null=True)
    userEmail = serializers.EmailField(source="user.email", default=None)
    actorId = serializers.UUIDField(source="actor_id", allow_null=True)
    userAgent = serializers.CharField(source="user_agent")
    createdAt = serializers.DateTimeField(source="created_at")

    class Meta:
        model = AuditLog
        fields = [
            "id",
            "createdAt",
            "level",
            "event",
            "message",
            "userId",
            "userEmail",
            "actorId",
            "ip",
            "userAgent",
            "data",
        ]
        read_only_fields = fields
