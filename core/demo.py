"""Demo data providers, registered by each app and run by ``manage.py demo``."""

_providers = {}


def register(name, provider):
    """``provider(out)`` creates its app's demo rows idempotently; ``out`` prints."""
    _providers[name] = provider


def providers():
    return list(_providers.items())
