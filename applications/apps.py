from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("园区与申报")

    def ready(self) -> None:
        # A device's change raises its person's second-factor generation (D41), whichever code
        # changes it.
        from zcparks import page_cache

        from . import two_factor  # noqa: F401

        # Every committed write raises the data generation of the page cache (D42).
        page_cache.install()
