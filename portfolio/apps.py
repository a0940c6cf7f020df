from django.apps import AppConfig
from django.conf import settings


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Portfolio analytics"

    def ready(self):
        from core import periodic

        periodic.register(
            "portfolio.snapshot_equity",
            "portfolio.snapshot_equity",
            settings.PORTFOLIO_SNAPSHOT_INTERVAL_S,
        )
