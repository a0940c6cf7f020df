from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Platform core"

    def ready(self):
        from core import health, periodic

        health.register_defaults()
        periodic.register(
            "core.clear_expired_sessions", "core.clear_expired_sessions", 86400
        )
