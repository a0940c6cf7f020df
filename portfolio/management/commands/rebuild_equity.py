"""Recompute equity snapshots and day summaries from the ledger and klines."""

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from portfolio.services.snapshots import rebuild
from trading.models import Account


def _day(text):
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise CommandError(f"Not an ISO date: {text!r}")


class Command(BaseCommand):
    help = (
        "Rebuild the equity snapshots of every paper account (or of --email) "
        "from the ledger and the market data, between --start and --end."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", help="Only this user's account.")
        parser.add_argument("--start", type=_day, help="Default: account opening.")
        parser.add_argument("--end", type=_day, help="Default: now.")

    def handle(self, *args, email=None, start=None, end=None, **options):
        accounts = Account.objects.select_related("user").order_by("pk")
        if email:
            accounts = accounts.filter(user__email__iexact=email)
            if not accounts.exists():
                raise CommandError(f"No paper account for {email}.")
        for account in accounts:
            count = rebuild(account, start=start, end=end)
            self.stdout.write(f"{account.user.email}: {count} snapshots")
