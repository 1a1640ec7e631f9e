"""The Celery app: configured from Django settings (CELERY_*), tasks autodiscovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("tailor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Apps keep a tasks module per domain package too (personalization/events/tasks.py).
app.autodiscover_tasks(["personalization.events", "personalization.traitsync", "personalization.churnrisk"])
