"""What the two modes configure, read from the environment."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

ROOT = settings.BASE_DIR
CONFIG_VARIABLES = {
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEMO_DATA",
    "SCHEDULER_ENABLED",
    "RATE_LIMIT_GENERAL",
    "VAR_DIR",
}


def settings_in(env):
    """Settings as a fresh process sees them under ``env``."""
    script = (
        "import django, json; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({'db': s.DATABASES['default']['ENGINE'],"
        "'cache': s.CACHES['default']['BACKEND'],"
        "'layer': s.CHANNEL_LAYERS['default']['BACKEND'],"
        "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL,"
        "'scheduler': s.SCHEDULER_AUTOSTART, 'demo': s.DEMO_DATA,"
        "'general': s.RATE_LIMITS['general']}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings.base")
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=clean,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def test_no_configuration_means_the_embedded_mode(tmp_path):
    found = settings_in({"VAR_DIR": str(tmp_path)})

    assert found["db"].endswith("sqlite3")
    assert found["cache"].endswith("LocMemCache")
    assert found["layer"].endswith("InMemoryChannelLayer")
    assert found["eager"] is True
    assert found["scheduler"] is True
    assert found["demo"] is True
    assert found["general"] == "100/m"
    assert (tmp_path / "secret_key").exists()


def test_service_urls_switch_every_backend(tmp_path):
    found = settings_in(
        {
            "VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://u@127.0.0.1:5432/x",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
            "SECRET_KEY": "k" * 50,
            "RATE_LIMIT_GENERAL": "7/m",
        }
    )

    assert found["db"].endswith("postgresql")
    assert found["cache"].endswith("RedisCache")
    assert found["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert found["eager"] is False
    assert found["broker"] == "redis://127.0.0.1:6379/3"
    assert found["scheduler"] is False
    assert found["demo"] is False
    assert found["general"] == "7/m"


def test_service_mode_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(AssertionError, match="SECRET_KEY must be set"):
        settings_in({"VAR_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1/0"})
