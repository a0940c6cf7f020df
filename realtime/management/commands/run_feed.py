import asyncio
import signal

from django.core.management.base import BaseCommand

from realtime.publisher import MarketPublisher


class Command(BaseCommand):
    help = "Publish the market feed to websocket clients (service mode process)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=None)

    def handle(self, *args, interval=None, **options):
        async def main():
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await MarketPublisher().run(interval=interval, stop=stop)

        asyncio.run(main())
