from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("园区与申报")

    def ready(self) -> None:
        # Issue 5: signal receivers (indicators on submission, letters on decisions).
        # letters_tasks is not named tasks.py, so Celery's autodiscovery would miss it; tasks is
        # imported too so that every process (web, worker, tests) knows every task by name.
        from . import letters, letters_tasks, reviews, tasks  # noqa: F401
