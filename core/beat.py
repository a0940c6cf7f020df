"""Celery beat scheduler fed by the periodic-job registry.

Run beat with ``-S core.beat:RegistryScheduler``. Entries are stored by
django-celery-beat, so staff can see and pause them in the Django admin.
"""

import django

django.setup()

from django_celery_beat.schedulers import DatabaseScheduler  # noqa: E402

from core import periodic  # noqa: E402


class RegistryScheduler(DatabaseScheduler):
    def setup_schedule(self):
        self.app.conf.beat_schedule = {
            **(self.app.conf.beat_schedule or {}),
            **periodic.beat_schedule(),
        }
        super().setup_schedule()
