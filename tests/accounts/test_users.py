"""/api/users: own profile, mass assignment, avatar upload, admin lookup."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Plan, Role, User
from tests.accounts.conftest import client_for, error_code

pytestmark = pytest.mark.django_db


def test_it_shows_my_profile(auth_client, user):
    response = auth_client.get("/api/users/me")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(user.pk)
    assert body["firstName"] == "Tess"
    assert body["role"] == "user"
    assert body["plan"] == "free"
    assert body["avatar"] is None
    assert body["twoFactorEnabled"] is False
    assert body["createdAt"].endswith("Z")


def test_it_updates_my_names(auth_client, user):
    response = auth_client.patch(
        "/api/users/me", {"firstName": "Tessa", "lastName": ""}, format="json"
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Tessa", "")


@pytest.mark.parametrize(
    "field, value",
    [
        ("role", "admin"),
        ("plan", "premium"),
        ("is_staff", True),
        ("isStaff", True),
        ("is_superuser", True),
        ("email", "other@example.com"),
        ("emailVerified", True),
        ("is_active", False),
        ("id", "00000000-0000-0000-0000-000000000000"),
    ],
)
def test_it_refuses_to_mass_assign_protected_fields(auth_client, user, field, value):
    response = auth_client.patch(
        "/api/users/me", {"firstName": "Mallory", field: value}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["error"]["details"][field][0]["code"] == "NOT_ALLOWED"
    user.refresh_from_db()
    assert user.role == Role.USER
    assert user.plan == Plan.FREE
    assert not user.is_staff and not user.is_superuser
    assert user.email == "trader@example.com"
    assert user.first_name == "Tess"


def test_a_too_long_name_is_a_422(auth_client, user):
    response = auth_client.patch(
        "/api/users/me", {"firstName": "x" * 151}, format="json"
    )

    assert response.status_code == 422
    assert "firstName" in response.json()["error"]["details"]


def image_file(fmt="PNG", size=(900, 600), name="me.png"):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_it_stores_a_re_encoded_avatar(auth_client, user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    response = auth_client.post(
        "/api/users/me/avatar",
        {"avatar": image_file("JPEG", name="me.jpg")},
        format="multipart",
    )

    assert response.status_code == 200
    assert response.json()["avatar"].endswith(".png")
    user.refresh_from_db()
    with Image.open(user.avatar.path) as stored:
        assert stored.format == "PNG"
        assert max(stored.size) == 512
        assert stored.size == (512, 341)


def test_a_new_avatar_replaces_the_old_file(auth_client, user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    auth_client.post(
        "/api/users/me/avatar", {"avatar": image_file()}, format="multipart"
    )
    first = User.objects.get(pk=user.pk).avatar.path

    auth_client.post(
        "/api/users/me/avatar", {"avatar": image_file()}, format="multipart"
    )

    assert not (tmp_path / first).exists()
    assert len(list((tmp_path / "avatars").iterdir())) == 1


@pytest.mark.parametrize(
    "upload, reason",
    [
        (
            SimpleUploadedFile("x.png", b"not an image at all", "image/png"),
            "INVALID_IMAGE",
        ),
        (
            SimpleUploadedFile(
                "x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"
            ),
            "INVALID_IMAGE",
        ),
    ],
)
def test_it_refuses_what_is_not_an_image(
    auth_client, user, upload, reason, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path

    response = auth_client.post(
        "/api/users/me/avatar", {"avatar": upload}, format="multipart"
    )

    assert response.status_code == 422
    assert response.json()["error"]["details"]["avatar"][0]["code"] == reason


def test_it_refuses_an_unsupported_image_format(auth_client, user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    response = auth_client.post(
        "/api/users/me/avatar",
        {"avatar": image_file("BMP", name="x.bmp")},
        format="multipart",
    )

    assert response.status_code == 422
    assert (
        response.json()["error"]["details"]["avatar"][0]["code"] == "UNSUPPORTED_FORMAT"
    )


def test_it_refuses_an_image_over_the_size_limit(auth_client, user, settings):
    settings.AVATAR_MAX_BYTES = 1000

    response = auth_client.post(
        "/api/users/me/avatar",
        {"avatar": image_file("BMP", size=(200, 200))},
        format="multipart",
    )

    assert response.status_code == 422
    assert response.json()["error"]["details"]["avatar"][0]["code"] == "TOO_LARGE"


def test_an_avatar_upload_needs_a_file(auth_client, user):
    response = auth_client.post("/api/users/me/avatar", {}, format="multipart")

    assert response.status_code == 422
    assert "avatar" in response.json()["error"]["details"]


def test_an_admin_reads_any_user(admin_client, user):
    response = admin_client.get(f"/api/users/{user.pk}")

    assert response.status_code == 200
    assert response.json()["email"] == "trader@example.com"
    assert response.json()["active"] is True


def test_a_user_cannot_read_another_user_by_id(auth_client, admin_user):
    response = auth_client.get(f"/api/users/{admin_user.pk}")

    assert response.status_code == 403
    assert error_code(response) == "FORBIDDEN"


def test_a_user_cannot_read_even_their_own_id_route(auth_client, user):
    assert auth_client.get(f"/api/users/{user.pk}").status_code == 403


def test_an_unknown_id_is_a_404(admin_client):
    response = admin_client.get("/api/users/00000000-0000-4000-8000-000000000000")

    assert response.status_code == 404
    assert admin_client.get("/api/users/not-a-uuid").status_code == 404


def test_profile_routes_need_a_login(api_client, db):
    assert api_client.get("/api/users/me").status_code == 401
    assert api_client.patch("/api/users/me", {}, format="json").status_code == 401


def test_a_demoted_admin_loses_the_admin_routes_at_once(admin_user, user):
    client = client_for(admin_user)
    admin_user.role = Role.USER
    admin_user.save()

    assert client.get(f"/api/users/{user.pk}").status_code == 403
