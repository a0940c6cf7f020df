from django.urls import re_path

from portfolio import views

# /api/portfolio itself is routed in config/urls.py (no trailing slash needed).

urlpatterns = [
    re_path(r"^balance/?$", views.BalanceView.as_view(), name="portfolio-balance"),
    re_path(
        r"^performance/?$",
        views.PerformanceView.as_view(),
        name="portfolio-performance",
    ),
    re_path(r"^pnl/?$", views.PnlView.as_view(), name="portfolio-pnl"),
    re_path(
        r"^allocation/?$", views.AllocationView.as_view(), name="portfolio-allocation"
    ),
]
