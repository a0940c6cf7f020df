from django.core.management.base import BaseCommand, CommandError

from mlsignals import data
from mlsignals.services import training
from trading.market import get_source


class Command(BaseCommand):
    help = "Train the signal model of each symbol and timeframe from market data."

    def add_arguments(self, parser):
        parser.add_argument("--symbols", nargs="*", help="Default: every symbol.")
        parser.add_argument("--timeframes", nargs="*", default=["1h"])
        parser.add_argument("--candles", type=int, default=training.TRAIN_CANDLES)

    def handle(self, *args, symbols=None, timeframes=(), candles=0, **options):
        try:
            specs = (
                [data.symbol_spec(name) for name in symbols]
                if symbols
                else get_source().symbols()
            )
            for timeframe in timeframes:
                data.check_timeframe(timeframe)
        except Exception as exc:
            raise CommandError(str(exc))
        for spec in specs:
            for timeframe in timeframes:
                try:
                    model = training.train_model(spec, timeframe, candles)
                except ValueError as exc:
                    self.stderr.write(f"{spec.symbol} {timeframe}: {exc}")
                    continue
                oos = model.metrics["outOfSample"]
                self.stdout.write(
                    f"{spec.symbol} {timeframe} v{model.version}: "
                    f"{model.candles} candles, out-of-sample AUC {oos['auc']:.3f}, "
                    f"log loss {oos['logLoss']:.4f} (base {oos['baseLogLoss']:.4f})"
                )
