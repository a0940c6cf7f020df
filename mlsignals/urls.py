from django.urls import re_path

from mlsignals import views

SYMBOL = r"(?P<symbol>[A-Za-z0-9]{1,20})"
# A UUID: anything else is an unknown path (404).
JOB = r"(?P<job_id>[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})"

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
    re_path(r"^backtest/?$", views.BacktestView.as_view(), name="ml-backtest"),
    re_path(
        rf"^backtest/{JOB}/?$", views.BacktestJobView.as_view(), name="ml-backtest-job"
    ),
    re_path(r"^models/?$", views.ModelListView.as_view(), name="ml-models"),
    re_path(r"^models/retrain/?$", views.RetrainView.as_view(), name="ml-retrain"),
    re_path(
        rf"^models/retrain/{JOB}/?$",
        views.RetrainJobView.as_view(),
        name="ml-retrain-job",
    ),
]
