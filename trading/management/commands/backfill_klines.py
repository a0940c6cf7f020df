from datetime import UTC, datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trading.market import intervals
from trading.market.symbols import UnknownSymbol, all_specs, get_spec
from trading.services.store_klines import backfill


def _day(text):
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"Not a date: {text!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


class Command(BaseCommand):
    help = (
        "Store the closed candles of [--start, --end) from a live source (the "
        "exchange, or the simulated market). Idempotent: nothing is stored twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--start", required=True, help="Date or ISO instant.")
        parser.add_argument("--end", required=True, help="Date or ISO instant.")
        parser.add_argument(
            "--symbol", action="append", help="Repeatable; default every symbol."
        )
        parser.add_argument("--interval", default="1m")
        parser.add_argument(
            "--source",
            choices=["simulated", "exchange"],
            help="Default: MARKET_RECORDER_SOURCE, else exchange.",
        )

    def handle(self, *args, start, end, symbol, interval, source, **options):
        start_ms, end_ms = _day(start), _day(end)
        if start_ms >= end_ms:
            raise CommandError("--start must be before --end")
        if not intervals.is_interval(interval):
            raise CommandError(f"Unknown interval {interval!r}")
        source = source or settings.MARKET_RECORDER_SOURCE or "exchange"
        try:
            specs = [get_spec(name) for name in symbol] if symbol else all_specs()
        except UnknownSymbol as exc:
            raise CommandError(exc.message)
        for spec in specs:
            added = backfill(spec.symbol, start_ms, end_ms, source, interval)
            self.stdout.write(f"{spec.symbol} {interval}: {added} new candles")
