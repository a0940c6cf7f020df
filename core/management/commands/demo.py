from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from core import demo


class Command(BaseCommand):
    help = "Create the demo data of every app (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even when DEMO_DATA is off."
        )

    def handle(self, *args, force=False, **options):
        if not (settings.DEMO_DATA or force):
            self.stdout.write("DEMO_DATA is off; nothing created.")
            return
        for name, provider in demo.providers():
            self.stdout.write(f"Demo data: {name}")
            with transaction.atomic():
                provider(self.stdout.write)
