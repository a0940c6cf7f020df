from django.urls import re_path

from accounts.views import auth

urlpatterns = [
    re_path(r"^register/?$", auth.RegisterView.as_view(), name="auth-register"),
    re_path(r"^login/?$", auth.LoginView.as_view(), name="auth-login"),
    re_path(r"^logout/?$", auth.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^refresh/?$", auth.RefreshView.as_view(), name="auth-refresh"),
    re_path(r"^me/?$", auth.MeView.as_view(), name="auth-me"),
    re_path(r"^oauth/google/?$", auth.GoogleLoginView.as_view(), name="oauth-google"),
    re_path(r"^oauth/apple/?$", auth.AppleLoginView.as_view(), name="oauth-apple"),
    re_path(r"^oauth/github/?$", auth.GitHubLoginView.as_view(), name="oauth-github"),
    re_path(
        r"^oauth/facebook/?$",
        auth.FacebookLoginView.as_view(),
        name="oauth-facebook",
    ),
    re_path(r"^2fa/?$", auth.TwoFactorStatusView.as_view(), name="2fa-status"),
    re_path(r"^2fa/setup/?$", auth.TwoFactorSetupView.as_view(), name="2fa-setup"),
    re_path(
        r"^2fa/confirm/?$", auth.TwoFactorConfirmView.as_view(), name="2fa-confirm"
    ),
    re_path(
        r"^2fa/backup-codes/?$",
        auth.BackupCodesView.as_view(),
        name="2fa-backup-codes",
    ),
    re_path(
        r"^2fa/disable/?$", auth.TwoFactorDisableView.as_view(), name="2fa-disable"
    ),
]
