from django.apps import AppConfig

EVALUATE_EVERY_SECONDS = 300
SWEEP_EVERY_SECONDS = 60


class MlsignalsConfig(AppConfig):
    name = "mlsignals"
    verbose_name = "ML signals"

    def ready(self):
        from django.conf import settings

        from core import demo, health, periodic
        from mlsignals import demo as ml_demo
        from mlsignals.services import health as ml_health

        health.register_probe("mlEngine", ml_health.probe)
        periodic.register(
            "mlsignals.evaluate_signals",
            "mlsignals.evaluate_signals",
            EVALUATE_EVERY_SECONDS,
        )
        periodic.register(
            "mlsignals.sweep_jobs", "mlsignals.sweep_jobs", SWEEP_EVERY_SECONDS
        )
        if settings.ML_RETRAIN_EVERY_SECONDS > 0:
            periodic.register(
                "mlsignals.retrain_models",
                "mlsignals.retrain_scheduled",
                settings.ML_RETRAIN_EVERY_SECONDS,
            )
        demo.register("mlsignals", ml_demo.train_demo_models)
