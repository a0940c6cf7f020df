import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def freeze_startup_heap(**kwargs):
    """As the REST workers do (config/gunicorn.py): the objects loaded at start
    leave the garbage collector's full collections, which otherwise pause a
    matching pass for tens to hundreds of milliseconds."""
    gc.collect()
    gc.freeze()
