"""Figures for the admin's stats, contributed by each app without coupling.

An app registers ``register("orders", count_orders)`` in its ``AppConfig.ready``;
the admin API calls ``collect()`` and shows every figure under its name. The
accounts app never imports the apps that own the figures.
"""

import logging

logger = logging.getLogger(__name__)

_providers = {}


def register(name, provider):
    """``provider()`` returns a number (int or Decimal) computed from the data."""
    _providers[name] = provider


def unregister(name):
    _providers.pop(name, None)


def collect():
    """Every registered figure; one that fails reads ``None`` and is logged."""
    figures = {}
    for name, provider in sorted(_providers.items()):
        try:
            figures[name] = provider()
        except Exception:
            logger.exception("Stats provider %s failed", name)
            figures[name] = None
    return figures
