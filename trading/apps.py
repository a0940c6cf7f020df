from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_delete, post_save


class TradingConfig(AppConfig):
    name = "trading"
    verbose_name = "Trading and market data"

    def ready(self):
        from core import demo, periodic, stats
        from trading import catalog
        from trading.market.symbols import clear_cache
        from trading.models import Symbol

        post_save.connect(clear_cache, sender=Symbol, dispatch_uid="symbol-saved")
        post_delete.connect(clear_cache, sender=Symbol, dispatch_uid="symbol-deleted")

        def demo_symbols(out):
            created = catalog.ensure_default_symbols(Symbol)
            out(f"  symbols: {created} created")

        demo.register("trading.symbols", demo_symbols)

        from trading.demo import demo_paper_trading
        from trading.stats import order_count, trading_volume

        demo.register("trading.paper", demo_paper_trading)
        stats.register("orders", order_count)
        stats.register("tradingVolume", trading_volume)
        periodic.register(
            "trading.match_orders",
            "trading.match_orders",
            settings.TRADING_MATCH_INTERVAL_S,
        )

        if settings.MARKET_RECORDER_SOURCE:
            periodic.register("trading.record_klines", "trading.record_klines", 60)
