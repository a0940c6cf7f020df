from django.urls import re_path

from mlsignals import views

SYMBOL = r"(?P<symbol>[A-Za-z0-9]{1,20})"

urlpatterns = [
    re_path(r"^health/?$", views.HealthView.as_view(), name="ml-health"),
    re_path(r"^connection/?$", views.ConnectionView.as_view(), name="ml-connection"),
    re_path(r"^signals/batch/?$", views.SignalBatchView.as_view(), name="ml-batch"),
    re_path(
        rf"^signals/{SYMBOL}/history/?$",
        views.SignalHistoryView.as_view(),
        name="ml-signal-history",
    ),
    re_path(rf"^signals/{SYMBOL}/?$", views.SignalView.as_view(), name="ml-signal"),
    re_path(
        rf"^predictions/{SYMBOL}/?$",
        views.PredictionView.as_view(),
        name="ml-prediction",
    ),
    re_path(rf"^amd/{SYMBOL}/?$", views.AmdView.as_view(), name="ml-amd"),
    re_path(
        rf"^indicators/{SYMBOL}/?$",
        views.IndicatorsView.as_view(),
        name="ml-indicators",
    ),
    re_path(
        r"^overlays/batch/?$",
        views.OverlayBatchView.as_view(),
        name="ml-overlay-batch",
    ),
    re_path(
        rf"^overlays/{SYMBOL}/levels/?$",
        views.LevelsOverlayView.as_view(),
        name="ml-overlay-levels",
    ),
    re_path(
        rf"^overlays/{SYMBOL}/signals/?$",
        views.SignalsOverlayView.as_view(),
        name="ml-overlay-signals",
    ),
    re_path(
        rf"^overlays/{SYMBOL}/amd/?$",
        views.AmdOverlayView.as_view(),
        name="ml-overlay-amd",
    ),
    re_path(
        rf"^overlays/{SYMBOL}/predictions/?$",
        views.PredictionsOverlayView.as_view(),
        name="ml-overlay-predictions",
    ),
    re_path(rf"^overlays/{SYMBOL}/?$", views.OverlayView.as_view(), name="ml-overlay"),
]
