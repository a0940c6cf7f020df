"""OAuth login against a local provider server, with allauth's real code."""

import pytest
from allauth.socialaccount.models import SocialAccount

from accounts.models import AuditEvent, AuditLog, User
from tests.accounts.conftest import error_code
from tests.accounts.provider_server import ProviderServer, new_rsa_key

pytestmark = pytest.mark.django_db

GOOGLE_ID = "google-client.apps.example"
APPLE_ID = "com.example.trading"
GOOGLE_ISSUER = "https://accounts.google.com"
APPLE_ISSUER = "https://appleid.apple.com"


@pytest.fixture
def provider(free_port, settings):
    with ProviderServer(free_port) as server:
        base = server.base
        settings.SOCIALACCOUNT_PROVIDERS = {
            "google": {
                "APP": {"client_id": GOOGLE_ID, "secret": ""},
                "JWKS_URL": f"{base}/google/jwks",
                "ISSUER": [GOOGLE_ISSUER, "accounts.google.com"],
            },
            "apple": {
                "APP": {"client_id": APPLE_ID, "secret": "", "key": ""},
                "JWKS_URL": f"{base}/apple/jwks",
                "ISSUER": APPLE_ISSUER,
            },
            "github": {
                "APP": {
                    "client_id": server.github_client[0],
                    "secret": server.github_client[1],
                },
                "TOKEN_URL": f"{base}/github/login/oauth/access_token",
                "API_URL": f"{base}/github/api",
            },
            "facebook": {
                "APP": {
                    "client_id": server.facebook_app[0],
                    "secret": server.facebook_app[1],
                },
                "GRAPH_API_URL": f"{base}/facebook",
            },
        }
        yield server


def google_token(provider, **overrides):
    claims = {
        "issuer": GOOGLE_ISSUER,
        "audience": GOOGLE_ID,
        "sub": "google-123",
        "email": "ana@example.com",
        "email_verified": True,
        "given_name": "Ana",
        "family_name": "Lopez",
    }
    claims.update(overrides)
    return provider.id_token(**claims)


def post(client, name, body):
    return client.post(f"/api/auth/oauth/{name}", body, format="json")


def test_google_creates_an_account_from_a_valid_id_token(api_client, provider):
    response = post(api_client, "google", {"idToken": google_token(provider)})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"user", "accessToken", "refreshToken", "expiresIn"}
    assert body["user"]["email"] == "ana@example.com"
    assert body["user"]["firstName"] == "Ana"
    user = User.objects.get(email="ana@example.com")
    assert not user.has_usable_password()
    assert SocialAccount.objects.get(provider="google").uid == "google-123"
    assert AuditLog.objects.filter(event=AuditEvent.OAUTH_LOGIN, user=user).exists()


def test_google_logs_the_same_identity_into_the_same_account(api_client, provider):
    first = post(api_client, "google", {"idToken": google_token(provider)})
    second = post(
        api_client,
        "google",
        {"idToken": google_token(provider, email="renamed@example.com")},
    )

    assert second.status_code == 200
    assert second.json()["user"]["id"] == first.json()["user"]["id"]
    assert User.objects.count() == 1


def test_a_verified_email_links_to_the_existing_account(api_client, provider, user):
    response = post(
        api_client,
        "google",
        {"idToken": google_token(provider, email="trader@example.com")},
    )

    assert response.status_code == 200
    assert response.json()["user"]["id"] == str(user.pk)
    assert SocialAccount.objects.get().user == user


def test_an_unverified_email_does_not_take_over_an_account(api_client, provider, user):
    token = google_token(provider, email="trader@example.com", email_verified=False)

    response = post(api_client, "google", {"idToken": token})

    assert response.status_code == 409
    assert error_code(response) == "EMAIL_NOT_VERIFIED"
    assert not SocialAccount.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"key": new_rsa_key()},
        {"audience": "someone-elses-client"},
        {"expires_in": -60},
        {"issuer": "https://evil.example.com"},
    ],
    ids=["forged signature", "wrong audience", "expired", "wrong issuer"],
)
def test_google_refuses_an_id_token_that_does_not_verify(
    api_client, provider, overrides
):
    response = post(
        api_client, "google", {"idToken": google_token(provider, **overrides)}
    )

    assert response.status_code == 401
    assert error_code(response) == "OAUTH_FAILED"
    assert not User.objects.exists()
    assert AuditLog.objects.filter(event=AuditEvent.OAUTH_FAILED).count() == 1


def test_an_id_token_cannot_be_replayed(api_client, provider):
    token = google_token(provider)

    assert post(api_client, "google", {"idToken": token}).status_code == 200
    assert post(api_client, "google", {"idToken": token}).status_code == 401


def test_apple_logs_in_with_a_valid_id_token(api_client, provider):
    token = provider.id_token(
        issuer=APPLE_ISSUER,
        audience=APPLE_ID,
        sub="apple-000123.abc",
        email="bo@privaterelay.appleid.com",
        email_verified="true",
    )

    response = post(api_client, "apple", {"idToken": token})

    assert response.status_code == 200
    assert response.json()["user"]["email"] == "bo@privaterelay.appleid.com"
    assert SocialAccount.objects.get(provider="apple").uid == "apple-000123.abc"


def test_apple_refuses_a_google_token(api_client, provider):
    response = post(api_client, "apple", {"idToken": google_token(provider)})

    assert response.status_code == 401


def github_user(provider, token="gh-token-1", verified=True, email="gil@example.com"):
    profile = {"id": 4242, "login": "gil", "name": "Gil Hub", "email": None}
    emails = [{"email": email, "primary": True, "verified": verified}]
    provider.github_users[token] = (profile, emails)
    return token


def test_github_logs_in_with_an_access_token(api_client, provider):
    token = github_user(provider)

    response = post(api_client, "github", {"accessToken": token})

    assert response.status_code == 200
    user = response.json()["user"]
    assert user["email"] == "gil@example.com"
    assert (user["firstName"], user["lastName"]) == ("Gil", "Hub")
    assert SocialAccount.objects.get(provider="github").uid == "4242"


def test_github_exchanges_an_authorization_code(api_client, provider):
    provider.github_codes["the-code"] = github_user(provider)

    response = post(
        api_client,
        "github",
        {"code": "the-code", "redirectUri": "http://localhost:3080/oauth/github"},
    )

    assert response.status_code == 200
    exchange = [r for r in provider.requests if r[1].endswith("/access_token")][0]
    assert exchange[2]["redirect_uri"] == "http://localhost:3080/oauth/github"


def test_github_refuses_an_unknown_token_or_code(api_client, provider):
    assert post(api_client, "github", {"accessToken": "made-up"}).status_code == 401
    assert post(api_client, "github", {"code": "made-up"}).status_code == 401


def test_github_needs_a_token_or_a_code(api_client, provider):
    response = post(api_client, "github", {})

    assert response.status_code == 422
    assert "accessToken" in response.json()["error"]["details"]


def test_facebook_logs_in_with_a_token_issued_to_our_app(api_client, provider):
    provider.facebook_tokens["fb-token"] = (
        "fb-app",
        {"id": "10001", "email": "fay@example.com", "first_name": "Fay"},
    )

    response = post(api_client, "facebook", {"accessToken": "fb-token"})

    assert response.status_code == 200
    assert response.json()["user"]["email"] == "fay@example.com"
    me = [r for r in provider.requests if r[1] == "/facebook/me"][0]
    assert len(me[2]["appsecret_proof"]) == 64


def test_facebook_refuses_a_token_of_another_app(api_client, provider):
    provider.facebook_tokens["other-token"] = (
        "another-app",
        {"id": "10002", "email": "eve@example.com"},
    )

    response = post(api_client, "facebook", {"accessToken": "other-token"})

    assert response.status_code == 401
    assert not User.objects.exists()


def test_facebook_exchanges_a_code(api_client, provider):
    provider.facebook_tokens["fb-token"] = (
        "fb-app",
        {"id": "7", "email": "z@example.com"},
    )
    provider.facebook_codes["fb-code"] = "fb-token"

    response = post(
        api_client,
        "facebook",
        {"code": "fb-code", "redirectUri": "http://localhost:3080/cb"},
    )

    assert response.status_code == 200


def test_facebook_emails_are_not_trusted_to_link_accounts(api_client, provider, user):
    provider.facebook_tokens["fb-token"] = (
        "fb-app",
        {"id": "10003", "email": "trader@example.com"},
    )

    response = post(api_client, "facebook", {"accessToken": "fb-token"})

    assert response.status_code == 409


def test_oauth_login_asks_for_the_second_factor_when_it_is_on(
    api_client, provider, user
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=user, name="default", confirmed=True)

    response = post(
        api_client,
        "google",
        {"idToken": google_token(provider, email="trader@example.com")},
    )

    assert response.status_code == 401
    assert error_code(response) == "TOTP_REQUIRED"


def test_a_provider_without_a_client_id_is_unavailable(api_client, settings, db):
    settings.SOCIALACCOUNT_PROVIDERS = {"google": {"APP": {"client_id": ""}}}

    response = post(api_client, "google", {"idToken": "x.y.z"})

    assert response.status_code == 503
    assert error_code(response) == "OAUTH_NOT_CONFIGURED"


def test_a_deleted_account_cannot_come_back_through_oauth(api_client, provider, user):
    post(api_client, "google", {"idToken": google_token(provider, email=user.email)})
    user.is_active = False
    user.save()

    response = post(
        api_client, "google", {"idToken": google_token(provider, email=user.email)}
    )

    assert response.status_code == 401
    assert error_code(response) == "INVALID_CREDENTIALS"
