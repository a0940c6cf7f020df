from django.core.management.base import BaseCommand, CommandError

from trading.market import intervals
from trading.market.csvfiles import CSVProblem, guess_symbol_and_interval, parse
from trading.market.symbols import UnknownSymbol, get_spec
from trading.services.store_klines import store_candles


class Command(BaseCommand):
    help = (
        "Import klines from Binance public-data files (CSV or zip, e.g. "
        "BTCUSDT-1m-2024-01.zip) or plain OHLCV CSV files. Candles already stored "
        "are left alone, so re-running an import adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="CSV or zip files.")
        parser.add_argument(
            "--symbol", help="Symbol of every file (default: from Binance file names)."
        )
        parser.add_argument(
            "--interval", help="Interval of every file (default: from the file name)."
        )

    def handle(self, *args, paths, symbol=None, interval=None, **options):
        from trading.market.csvfiles import read_texts

        total = 0
        for path in paths:
            guessed_symbol, guessed_interval = guess_symbol_and_interval(path)
            name = symbol or guessed_symbol
            size = interval or guessed_interval
            if not name or not size:
                raise CommandError(f"{path}: give --symbol and --interval")
            if not intervals.is_interval(size):
                raise CommandError(f"{path}: unknown interval {size!r}")
            try:
                spec = get_spec(name)
            except UnknownSymbol:
                raise CommandError(f"{path}: unknown symbol {name!r}")
            try:
                for member, text in read_texts(path):
                    candles = parse(text, size, member)
                    added = store_candles(spec, size, candles, "csv")
                    total += added
                    self.stdout.write(
                        f"{member}: {len(candles)} candles, {added} new "
                        f"({spec.symbol} {size})"
                    )
            except (CSVProblem, OSError) as exc:
                raise CommandError(str(exc))
        self.stdout.write(f"Imported {total} new candles.")
