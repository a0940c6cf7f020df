import uuid

import pytest
from django.core.cache import cache

from mlsignals.services import analysis


@pytest.fixture(autouse=True)
def fresh_ml_cache(monkeypatch):
    """Each test reads its own cache entries (a test's rows do not outlive it).

    A new key namespace instead of ``cache.clear()``: in service mode the cache is
    a Redis database other test runs may share.
    """
    monkeypatch.setattr(analysis, "CACHE_VERSION", uuid.uuid4().hex[:12])
    cache.delete("ml:health:status")
