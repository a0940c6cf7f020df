import time

import pytest
from django_otp.oath import TOTP
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services.sessions import start_session

PASSWORD = "a-Strong-pass-42"
ADMIN_PASSWORD = "Admin-pass-4242"


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser(
        "boss@example.com", ADMIN_PASSWORD, first_name="Bea", last_name="Boss"
    )


def client_for(user):
    """An API client holding the access token of a fresh session of ``user``."""
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {start_session(user)['accessToken']}"
    )
    return client


@pytest.fixture
def admin_client(admin_user):
    return client_for(admin_user)


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def login(client, email, password, **extra):
    return client.post(
        "/api/auth/login",
        {"email": email, "password": password, **extra},
        format="json",
    )


def totp_now(device, offset_steps=0):
    """The code an authenticator app shows for ``device`` now (or steps away)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def error_code(response):
    return response.json()["error"]["code"]
