"""The Celery application. Settings come from Django's settings under the CELERY_ namespace."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    before_task_publish,
    task_failure,
    task_postrun,
    task_prerun,
    task_retry,
    task_success,
)

from zcparks import logs, metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zcparks.settings")

app = Celery("zcparks")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every log line of a task carries its id and the id of the request that queued it (and, in
# production, is JSON like the web's).
before_task_publish.connect(logs.add_request_id_header, weak=False)
task_prerun.connect(logs.task_started, weak=False)
task_postrun.connect(logs.task_finished, weak=False)
# /metrics counts each run's outcome by task name (also for tasks run inline, without a broker).
task_success.connect(metrics.task_succeeded, weak=False)
task_failure.connect(metrics.task_failed, weak=False)
task_retry.connect(metrics.task_retried, weak=False)


@after_setup_logger.connect
@after_setup_task_logger.connect
def _dress_worker_logs(logger, **_kwargs) -> None:
    from django.conf import settings

    logs.dress_celery_handlers(logger, json_lines=settings.ZCP_LOG_JSON)
