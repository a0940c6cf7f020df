"""Every route of the platform: the admin, and the API mounted by domain."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from core.views import api_not_found
from portfolio import views as portfolio_views
from realtime.views import polling_refused

api_patterns = [
    path("", include("core.urls")),
    path("auth/", include("accounts.urls.auth")),
    path("users/", include("accounts.urls.users")),
    path("admin/", include("accounts.urls.admin")),
    path("trading/", include("trading.urls")),
    # /api/portfolio itself, with or without the slash, beside its sub-routes.
    re_path(
        r"^portfolio/?$", portfolio_views.PortfolioView.as_view(), name="portfolio"
    ),
    path("portfolio/", include("portfolio.urls")),
    path("ml/", include("mlsignals.urls")),
    path("llm/", include("copilot.urls")),
    path("investment/", include("investment.urls")),
    path("education/", include("education.urls")),
    path("payments/", include("payments.urls")),
    path("agents/", include("agents.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    re_path(r"^api(/.*)?$", api_not_found),
    re_path(r"^socket\.io/?$", polling_refused),
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]

handler400 = "core.views.bad_request"
handler500 = "core.views.server_error"
