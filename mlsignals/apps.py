from django.apps import AppConfig


class MlsignalsConfig(AppConfig):
    name = "mlsignals"
