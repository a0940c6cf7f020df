"""TOTP two-factor: setup, login with and without a code, replay, backup codes."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, AuditLog
from tests.accounts.conftest import PASSWORD, error_code, login, totp_now

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_throttle(settings):
    # django-otp makes a device wait after a failure; these tests send a right
    # code right after a wrong one on purpose. test_it_slows_down_... keeps it.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def enable_2fa(client):
    """Setup and confirmation through the API; answers (device, backup codes)."""
    setup = client.post("/api/auth/2fa/setup")
    assert setup.status_code == 201
    device = TOTPDevice.objects.get()
    confirm = client.post(
        "/api/auth/2fa/confirm", {"code": totp_now(device)}, format="json"
    )
    assert confirm.status_code == 200
    device.refresh_from_db()
    return device, confirm.json()["backupCodes"]


def test_setup_answers_an_otpauth_uri_and_a_qr_code(auth_client, user):
    response = auth_client.post("/api/auth/2fa/setup")

    assert response.status_code == 201
    body = response.json()
    assert body["otpauthUri"].startswith("otpauth://totp/Trading%20Platform")
    assert f"secret={body['secret']}" in body["otpauthUri"]
    assert body["qrCode"].startswith("data:image/png;base64,")
    # Not on until a first code confirms it.
    assert auth_client.get("/api/auth/2fa").json() == {
        "enabled": False,
        "backupCodesRemaining": 0,
    }
    assert login(auth_client, "trader@example.com", PASSWORD).status_code == 200


def test_a_wrong_first_code_does_not_turn_it_on(auth_client, user):
    auth_client.post("/api/auth/2fa/setup")
    device = TOTPDevice.objects.get()
    wrong = f"{(int(totp_now(device)) + 1) % 1_000_000:06d}"

    response = auth_client.post("/api/auth/2fa/confirm", {"code": wrong}, format="json")

    assert response.status_code == 401
    assert error_code(response) == "INVALID_TOTP_CODE"
    assert auth_client.get("/api/auth/2fa").json()["enabled"] is False


def test_confirming_turns_it_on_with_ten_backup_codes(auth_client, user):
    device, codes = enable_2fa(auth_client)

    assert device.confirmed
    assert len(codes) == 10 and len(set(codes)) == 10
    status = auth_client.get("/api/auth/2fa").json()
    assert status == {"enabled": True, "backupCodesRemaining": 10}
    listed = auth_client.get("/api/auth/2fa/backup-codes").json()["backupCodes"]
    assert sorted(listed) == sorted(codes)
    assert AuditLog.objects.filter(event=AuditEvent.TWO_FACTOR_ENABLED).exists()
    assert auth_client.post("/api/auth/2fa/setup").status_code == 409


def test_login_without_a_code_asks_for_one(auth_client, api_client, user):
    enable_2fa(auth_client)

    response = login(api_client, "trader@example.com", PASSWORD)

    assert response.status_code == 401
    assert error_code(response) == "TOTP_REQUIRED"


def test_a_wrong_password_still_says_invalid_credentials(auth_client, api_client, user):
    enable_2fa(auth_client)

    response = login(api_client, "trader@example.com", "nope-nope-nope")

    assert error_code(response) == "INVALID_CREDENTIALS"


def test_login_with_a_valid_code_succeeds_once(auth_client, api_client, user):
    device, _ = enable_2fa(auth_client)
    # The confirmation spent the current step; the next step's code is fresh
    # (the device accepts one step of drift).
    code = totp_now(device, offset_steps=1)

    first = login(api_client, "trader@example.com", PASSWORD, totpCode=code)
    replay = login(api_client, "trader@example.com", PASSWORD, totpCode=code)

    assert first.status_code == 200
    assert replay.status_code == 401
    assert error_code(replay) == "INVALID_TOTP_CODE"
    assert AuditLog.objects.filter(event=AuditEvent.TOTP_FAILED).count() == 1


def test_the_confirmation_code_cannot_be_replayed_to_log_in(
    auth_client, api_client, user
):
    auth_client.post("/api/auth/2fa/setup")
    device = TOTPDevice.objects.get()
    code = totp_now(device)
    auth_client.post("/api/auth/2fa/confirm", {"code": code}, format="json")

    response = login(api_client, "trader@example.com", PASSWORD, totpCode=code)

    assert response.status_code == 401
    assert error_code(response) == "INVALID_TOTP_CODE"


def test_a_wrong_code_is_refused(auth_client, api_client, user):
    device, _ = enable_2fa(auth_client)
    wrong = f"{(int(totp_now(device, 1)) + 7) % 1_000_000:06d}"

    response = login(api_client, "trader@example.com", PASSWORD, totpCode=wrong)

    assert response.status_code == 401
    assert error_code(response) == "INVALID_TOTP_CODE"


def test_a_backup_code_logs_in_once(auth_client, api_client, user):
    _, codes = enable_2fa(auth_client)

    first = login(api_client, "trader@example.com", PASSWORD, totpCode=codes[0])
    again = login(api_client, "trader@example.com", PASSWORD, totpCode=codes[0])

    assert first.status_code == 200
    assert again.status_code == 401
    assert auth_client.get("/api/auth/2fa").json()["backupCodesRemaining"] == 9
    assert AuditLog.objects.filter(event=AuditEvent.BACKUP_CODE_USED).count() == 1


def test_regenerating_backup_codes_needs_a_totp_code_and_voids_the_old(
    auth_client, api_client, user
):
    device, old = enable_2fa(auth_client)

    refused = auth_client.post(
        "/api/auth/2fa/backup-codes", {"code": old[0]}, format="json"
    )
    response = auth_client.post(
        "/api/auth/2fa/backup-codes",
        {"code": totp_now(device, offset_steps=1)},
        format="json",
    )

    assert refused.status_code == 401
    assert response.status_code == 200
    new = response.json()["backupCodes"]
    assert len(new) == 10 and not set(new) & set(old)
    stale = login(api_client, "trader@example.com", PASSWORD, totpCode=old[1])
    assert stale.status_code == 401
    assert AuditLog.objects.filter(event=AuditEvent.BACKUP_CODES_REGENERATED).exists()


def test_disabling_needs_a_valid_code(auth_client, api_client, user):
    device, codes = enable_2fa(auth_client)

    refused = auth_client.post(
        "/api/auth/2fa/disable", {"code": "000000"}, format="json"
    )
    done = auth_client.post("/api/auth/2fa/disable", {"code": codes[0]}, format="json")

    assert refused.status_code == 401
    assert done.status_code == 200
    assert done.json()["enabled"] is False
    assert not TOTPDevice.objects.exists()
    assert login(api_client, "trader@example.com", PASSWORD).status_code == 200
    assert AuditLog.objects.filter(event=AuditEvent.TWO_FACTOR_DISABLED).exists()


def test_disabling_when_it_is_off_is_a_conflict(auth_client, user):
    response = auth_client.post(
        "/api/auth/2fa/disable", {"code": "123456"}, format="json"
    )

    assert response.status_code == 409
    assert error_code(response) == "TWO_FACTOR_NOT_ENABLED"


def test_two_factor_routes_need_a_login(api_client, db):
    for path in ("/api/auth/2fa", "/api/auth/2fa/backup-codes"):
        assert api_client.get(path).status_code == 401
    assert api_client.post("/api/auth/2fa/setup").status_code == 401


def test_it_slows_down_guessing_after_a_failure(
    auth_client, api_client, user, settings
):
    device, _ = enable_2fa(auth_client)
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    wrong = f"{(int(totp_now(device, 1)) + 3) % 1_000_000:06d}"
    login(api_client, "trader@example.com", PASSWORD, totpCode=wrong)

    # The right code is refused too while the device waits out the failure.
    right = login(
        api_client, "trader@example.com", PASSWORD, totpCode=totp_now(device, 1)
    )

    assert right.status_code == 401
    assert error_code(right) == "INVALID_TOTP_CODE"
