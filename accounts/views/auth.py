"""/api/auth: registration, login, tokens, OAuth and two-factor."""

import logging

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import serializers as s
from accounts.models import AuthSession
from accounts.services import auth, oauth, sessions, two_factor
from accounts.views.common import client_of, error

logger = logging.getLogger(__name__)

TAGS = ["auth"]


def _auth_body(user, pair):
    return {"user": s.AuthUserSerializer(user).data, **pair}


class RegisterView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Register a new user",
        description="Django's password validators apply. A taken email is a 422 "
        "with `details.email[].code` `EMAIL_TAKEN`.",
        request=s.RegisterSerializer,
        responses={201: s.AuthResponseSerializer},
        tags=TAGS,
    )
    def post(self, request):
        form = s.RegisterSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        user, pair = auth.register(
            email=data["email"],
            password=data["password"],
            first_name=data["firstName"],
            last_name=data["lastName"],
            client=client_of(request),
        )
        return Response(_auth_body(user, pair), status=status.HTTP_201_CREATED)


class LoginView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Log in with email and password",
        description="With two-factor authentication on, a login without `totpCode` "
        "answers 401 `TOTP_REQUIRED`; a wrong code 401 `INVALID_TOTP_CODE`. "
        "`totpCode` may also be a one-time backup code.",
        request=s.LoginSerializer,
        responses={
            200: s.AuthResponseSerializer,
            401: error("INVALID_CREDENTIALS, TOTP_REQUIRED or INVALID_TOTP_CODE."),
        },
        tags=TAGS,
    )
    def post(self, request):
        form = s.LoginSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        user, pair = auth.login(
            email=data["email"],
            password=data["password"],
            totp_code=data.get("totpCode"),
            client=client_of(request),
        )
        return Response(_auth_body(user, pair))


class RefreshView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Exchange a refresh token for a new pair",
        description="The refresh token is spent: using it again is 401. Of two "
        "concurrent refreshes with one token, one succeeds.",
        request=s.RefreshSerializer,
        responses={200: s.TokenPairSerializer, 401: error("UNAUTHORIZED.")},
        tags=TAGS,
    )
    def post(self, request):
        form = s.RefreshSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        pair = sessions.rotate(
            form.validated_data["refreshToken"], client=client_of(request)
        )
        return Response(pair)


class LogoutView(APIView):
    @extend_schema(
        summary="End the current session",
        description="The session's refresh token is blacklisted and its access "
        "token stops working at once.",
        request=None,
        responses={204: None},
        tags=TAGS,
    )
    def post(self, request):
        session = AuthSession.objects.get(pk=request.user.auth_session_id)
        sessions.logout(session, client=client_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(summary="The current user", responses=s.ProfileSerializer, tags=TAGS)
    def get(self, request):
        return Response(
            s.ProfileSerializer(request.user, context={"request": request}).data
        )


class OAuthLoginView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    provider_id = None

    def post(self, request):
        serializer_class = (
            s.IdTokenLoginSerializer
            if self.provider_id in ("google", "apple")
            else s.AccessTokenLoginSerializer
        )
        form = serializer_class(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        user, pair = oauth.login(
            request,
            self.provider_id,
            id_token=data.get("idToken"),
            access_token=data.get("accessToken"),
            code=data.get("code"),
            redirect_uri=data.get("redirectUri"),
            totp_code=data.get("totpCode"),
            client=client_of(request),
        )
        return Response(_auth_body(user, pair))


def _oauth_view(provider_id, request_serializer, how):
    schema = extend_schema(
        summary=f"Log in with {provider_id.capitalize()}",
        description=how + " A verified email links to the account with that email; "
        "otherwise a new account is created. Answers as login.",
        request=request_serializer,
        responses={
            200: s.AuthResponseSerializer,
            401: error("OAUTH_FAILED, TOTP_REQUIRED or INVALID_TOTP_CODE."),
            409: error("EMAIL_NOT_VERIFIED: the email has an account already."),
            503: error("OAUTH_NOT_CONFIGURED."),
        },
        tags=TAGS,
    )
    view = type(
        f"{provider_id.capitalize()}LoginView",
        (OAuthLoginView,),
        {"provider_id": provider_id, "post": schema(OAuthLoginView.post)},
    )
    return view


ID_TOKEN_HOW = "Send the provider's OpenID Connect `idToken`; its signature, " + (
    "audience, issuer and expiry are checked."
)
ACCESS_TOKEN_HOW = "Send an `accessToken`, or an authorization `code` and the " + (
    "`redirectUri` it was issued for; the profile is read from the provider's API."
)
GoogleLoginView = _oauth_view("google", s.IdTokenLoginSerializer, ID_TOKEN_HOW)
AppleLoginView = _oauth_view("apple", s.IdTokenLoginSerializer, ID_TOKEN_HOW)
GitHubLoginView = _oauth_view("github", s.AccessTokenLoginSerializer, ACCESS_TOKEN_HOW)
FacebookLoginView = _oauth_view(
    "facebook", s.AccessTokenLoginSerializer, ACCESS_TOKEN_HOW
)


# --- Two-factor ----------------------------------------------------------------

TWO_FACTOR_TAGS = ["auth: two-factor"]


class TwoFactorStatusView(APIView):
    @extend_schema(
        summary="Two-factor status",
        responses=s.TwoFactorStatusSerializer,
        tags=TWO_FACTOR_TAGS,
    )
    def get(self, request):
        user = request.user
        return Response(
            {
                "enabled": two_factor.is_enabled(user),
                "backupCodesRemaining": len(two_factor.backup_codes(user)),
            }
        )


class TwoFactorSetupView(APIView):
    @extend_schema(
        summary="Start two-factor setup",
        description="A new secret: its otpauth URI and a QR code to scan. 2FA is "
        "on once `/auth/2fa/confirm` receives a first code.",
        request=None,
        responses={
            201: s.TwoFactorSetupSerializer,
            409: error("TWO_FACTOR_ALREADY_ENABLED."),
        },
        tags=TWO_FACTOR_TAGS,
    )
    def post(self, request):
        return Response(
            two_factor.start_setup(request.user), status=status.HTTP_201_CREATED
        )


class TwoFactorConfirmView(APIView):
    @extend_schema(
        summary="Confirm two-factor setup with a first code",
        description="Turns 2FA on and answers one-time backup codes.",
        request=s.CodeSerializer,
        responses={
            200: s.BackupCodesSerializer,
            401: error("INVALID_TOTP_CODE."),
            409: error("TWO_FACTOR_ALREADY_ENABLED or setup not started."),
        },
        tags=TWO_FACTOR_TAGS,
    )
    def post(self, request):
        form = s.CodeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        codes = two_factor.confirm_setup(
            request.user, form.validated_data["code"], client=client_of(request)
        )
        return Response({"backupCodes": codes})


class BackupCodesView(APIView):
    @extend_schema(
        summary="The unused backup codes",
        responses={200: s.BackupCodesSerializer, 409: error("2FA is off.")},
        tags=TWO_FACTOR_TAGS,
    )
    def get(self, request):
        two_factor.require_enabled(request.user)
        return Response({"backupCodes": two_factor.backup_codes(request.user)})

    @extend_schema(
        summary="Replace the backup codes",
        description="Needs a current TOTP code; the old backup codes stop working.",
        request=s.CodeSerializer,
        responses={
            200: s.BackupCodesSerializer,
            401: error("INVALID_TOTP_CODE."),
            409: error("2FA is off."),
        },
        tags=TWO_FACTOR_TAGS,
    )
    def post(self, request):
        form = s.CodeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        codes = two_factor.regenerate_backup_codes(
            request.user, form.validated_data["code"], client=client_of(request)
        )
        return Response({"backupCodes": codes})


class TwoFactorDisableView(APIView):
    @extend_schema(
        summary="Turn two-factor authentication off",
        description="Needs a valid TOTP or backup code.",
        request=s.CodeSerializer,
        responses={
            200: s.TwoFactorStatusSerializer,
            401: error("INVALID_TOTP_CODE."),
            409: error("2FA is off."),
        },
        tags=TWO_FACTOR_TAGS,
    )
    def post(self, request):
        form = s.CodeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        two_factor.disable(
            request.user, form.validated_data["code"], client=client_of(request)
        )
        return Response({"enabled": False, "backupCodesRemaining": 0})
