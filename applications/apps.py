from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("园区与申报")

    def ready(self) -> None:
        # A device's change raises its person's second-factor generation (D40), whichever code
        # changes it.
        from . import two_factor  # noqa: F401
