from django.apps import AppConfig

EVALUATE_EVERY_SECONDS = 300


class MlsignalsConfig(AppConfig):
    name = "mlsignals"
    verbose_name = "ML signals"

    def ready(self):
        from core import demo, health, periodic
        from mlsignals import demo as ml_demo
        from mlsignals.services import health as ml_health

        health.register_probe("mlEngine", ml_health.probe)
        periodic.register(
            "mlsignals.evaluate_signals",
            "mlsignals.evaluate_signals",
            EVALUATE_EVERY_SECONDS,
        )
        demo.register("mlsignals", ml_demo.train_demo_models)
