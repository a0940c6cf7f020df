"""Login with Google, Apple, GitHub or Facebook through django-allauth's providers.

Google and Apple send an OpenID Connect ID token: allauth's JWT kit checks its
signature against the provider's published keys, its audience (our client id),
issuer and expiry. GitHub and Facebook send an access token, or an authorization
code that is exchanged for one with allauth's OAuth2 client; the profile is then
read from the provider's API with allauth's adapters. Every endpoint and client id
comes from ``settings.SOCIALACCOUNT_PROVIDERS``, read at call time.

The identity then maps to an account: the social account already linked, else
the account with the provider-verified email, else a new account.
"""

import logging

import requests
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialAccount, SocialToken
from allauth.socialaccount.providers.facebook.flows import compute_appsecret_proof
from allauth.socialaccount.providers.github.views import GitHubOAuth2Adapter
from allauth.socialaccount.providers.oauth2.client import OAuth2Client, OAuth2Error
from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.errors import (
    EmailNotVerified,
    InvalidCredentials,
    OAuthFailed,
    OAuthNotConfigured,
)
from accounts.models import AuditEvent, User
from accounts.services import audit, sessions
from accounts.services.auth import complete_second_factor, normalize_email

logger = logging.getLogger(__name__)

PROVIDERS = ("google", "facebook", "apple", "github")


def _config(provider_id):
    config = settings.SOCIALACCOUNT_PROVIDERS.get(provider_id, {})
    if not config.get("APP", {}).get("client_id"):
        raise OAuthNotConfigured()
    return config


def _provider(request, provider_id):
    return get_adapter().get_provider(request, provider_id)


def _id_token_login(request, provider_id, id_token):
    """Google and Apple: verify the ID token, then read the identity from it."""
    config = _config(provider_id)
    provider = _provider(request, provider_id)
    audiences = [aud.strip() for aud in provider.app.client_id.split(",")]
    # TODO: cache the provider's JWKS (allauth's jwtkit fetches it on every login),
    # refetching on an unknown key id, to spare a round trip per login.
    try:
        claims = jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=config["JWKS_URL"],
            issuer=config["ISSUER"],
            audience=audiences,
            lookup_kid=jwtkit.lookup_kid_jwk,
        )
    except (OAuth2Error, requests.RequestException, KeyError, ValueError) as exc:
        raise _failed(provider_id, f"id token refused: {exc}")
    return provider.sociallogin_from_response(request, claims)


def _exchange_code(request, provider_id, config, code, redirect_uri, method):
    app = _provider(request, provider_id).app
    client = OAuth2Client(
        request,
        app.client_id,
        app.secret,
        method,
        config["TOKEN_URL"],
        redirect_uri or "",
        headers={"Accept": "application/json"},
    )
    try:
        data = client.get_access_token(code)
    except (OAuth2Error, requests.RequestException) as exc:
        raise _failed(provider_id, f"code exchange failed: {exc}")
    token = data.get("access_token") if isinstance(data, dict) else None
    if not token:
        raise _failed(provider_id, "code exchange gave no access token")
    return token


def _github_login(request, access_token, code, redirect_uri):
    config = _config("github")
    api = config["API_URL"].rstrip("/")
    provider = _provider(request, "github")
    app = provider.app

    with get_adapter().get_requests_session() as session:
        if code:
            access_token = _exchange_code(
                request, "github", config, code, redirect_uri, "POST"
            )
        else:
            # A token minted for another OAuth app must not log in here: GitHub
            # answers 404 unless the token belongs to our client id.
            check = session.post(
                f"{api}/applications/{app.client_id}/token",
                json={"access_token": access_token},
                auth=(app.client_id, app.secret),
                headers={"Accept": "application/vnd.github+json"},
            )
            if check.status_code != 200:
                raise _failed("github", f"token check answered {check.status_code}")

    adapter = GitHubOAuth2Adapter(request)
    adapter.profile_url = f"{api}/user"
    adapter.emails_url = f"{api}/user/emails"
    try:
        return adapter.complete_login(request, app, SocialToken(token=access_token))
    except requests.RequestException as exc:
        raise _failed("github", f"profile fetch failed: {exc}")


def _facebook_login(request, access_token, code, redirect_uri):
    config = _config("facebook")
    graph = config["GRAPH_API_URL"].rstrip("/")
    provider = _provider(request, "facebook")
    app = provider.app
    if code:
        config = {**config, "TOKEN_URL": f"{graph}/oauth/access_token"}
        access_token = _exchange_code(
            request, "facebook", config, code, redirect_uri, "GET"
        )

    token = SocialToken(app=app, token=access_token)
    try:
        with get_adapter().get_requests_session() as session:
            # The token must have been issued to our app (an app access token is
            # "<id>|<secret>").
            debug = session.get(
                f"{graph}/debug_token",
                params={
                    "input_token": access_token,
                    "access_token": f"{app.client_id}|{app.secret}",
                },
            )
            debug.raise_for_status()
            info = debug.json().get("data", {})
            if not info.get("is_valid") or str(info.get("app_id")) != app.client_id:
                raise _failed("facebook", "token not valid for this app")

            profile = session.get(
                f"{graph}/me",
                params={
                    "fields": ",".join(provider.get_fields()),
                    "access_token": access_token,
                    "appsecret_proof": compute_appsecret_proof(app, token),
                },
            )
            profile.raise_for_status()
            data = profile.json()
    except (requests.RequestException, ValueError) as exc:
        raise _failed("facebook", f"profile fetch failed: {exc}")
    return provider.sociallogin_from_response(request, data)


def _failed(provider_id, reason):
    logger.info("OAuth login with %s refused: %s", provider_id, reason)
    return OAuthFailed(f"{provider_id.capitalize()} did not confirm this identity.")


def _verified_emails(sociallogin):
    return {
        normalize_email(address.email)
        for address in sociallogin.email_addresses
        if address.verified and address.email
    }


def _account_for(provider_id, sociallogin):
    """The user for this identity: linked, matched by verified email, or new."""
    uid = sociallogin.account.uid
    linked = (
        SocialAccount.objects.select_related("user")
        .filter(provider=provider_id, uid=uid)
        .first()
    )
    if linked is not None:
        linked.extra_data = sociallogin.account.extra_data
        linked.save(update_fields=["extra_data"])
        return linked.user, False

    email = normalize_email(sociallogin.user.email)
    if not email:
        raise _failed(provider_id, "no email shared")
    verified = email in _verified_emails(sociallogin)
    existing = User.objects.filter(email=email).first()
    if existing is not None and not verified:
        raise EmailNotVerified()

    with transaction.atomic():
        created = existing is None
        user = existing or User.objects.create_user(
            email,
            None,
            first_name=(sociallogin.user.first_name or "")[:150],
            last_name=(sociallogin.user.last_name or "")[:150],
        )
        SocialAccount.objects.create(
            user=user,
            provider=provider_id,
            uid=uid,
            extra_data=sociallogin.account.extra_data,
        )
    return user, created


def login(
    request,
    provider_id,
    *,
    id_token=None,
    access_token=None,
    code=None,
    redirect_uri=None,
    totp_code=None,
    client=audit.NO_CLIENT,
):
    """Verify the provider's proof of identity and open a session."""
    try:
        if provider_id in ("google", "apple"):
            sociallogin = _id_token_login(request, provider_id, id_token)
        elif provider_id == "github":
            sociallogin = _github_login(request, access_token, code, redirect_uri)
        else:
            sociallogin = _facebook_login(request, access_token, code, redirect_uri)
        user, created = _account_for(provider_id, sociallogin)
    except (OAuthFailed, EmailNotVerified) as exc:
        audit.record(
            AuditEvent.OAUTH_FAILED,
            f"{provider_id} login refused",
            client=client,
            provider=provider_id,
            reason=exc.code,
        )
        raise
    except IntegrityError:
        # The same identity was linked by a concurrent request; it can log in now.
        raise OAuthFailed("Please try again.")

    if not user.is_active or user.deleted_at is not None:
        audit.record(
            AuditEvent.LOGIN_FAILED,
            f"{provider_id} login to a disabled account",
            user=user,
            client=client,
        )
        raise InvalidCredentials()

    complete_second_factor(user, totp_code, client=client)
    pair = sessions.start_session(user, method=provider_id, client=client)
    audit.record(
        AuditEvent.OAUTH_LOGIN,
        f"Logged in with {provider_id}",
        user=user,
        client=client,
        provider=provider_id,
        created=created,
    )
    return user, pair
