"""The admin's filters from the query string, kept within what the database can hold.

Django's admin turns `?batch__in=…` into a database filter as it stands; a number beyond the
column's integer range, or a NUL character, then fails in the database driver (a 500),
where Django's own exact lookups would have answered "no match". The project's admin site
(`AdminConfig` in INSTALLED_APPS) gives every model admin registered on it `BoundedLookups`, so
such a filter is refused as a disallowed lookup, which Django answers with a 400
(tests/security/test_hostile_admin_parameters.py walks every admin page).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.db.models.constants import LOOKUP_SEP


def _target_field(model, lookup: str) -> models.Field | None:
    """The field a lookup path ends on (the related model's key for a relation)."""
    field = None
    for part in lookup.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            break
        if field.is_relation and field.related_model is not None:
            model = field.related_model
            field = model._meta.pk
    return field


def fits(model, lookup: str, value) -> bool:
    """Whether the value can reach the database: no NUL character (PostgreSQL refuses it in any
    text), and every integer within the integer column the lookup ends on."""
    if "\x00" in str(value):
        return False
    field = _target_field(model, lookup)
    if not isinstance(field, models.IntegerField | models.AutoField):
        return True
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    values = value if isinstance(value, list | tuple) else str(value).split(",")
    for item in values:
        text = str(item).strip()
        if not text.lstrip("-").isascii() or not text.lstrip("-").isdigit():
            continue  # not a number: Django's own validation answers it
        number = int(text)
        if (low is not None and number < low) or (high is not None and number > high):
            return False
    return True


class BoundedLookups:
    def lookup_allowed(self, lookup, value, request=None):
        if not fits(self.model, lookup, value):
            return False
        return super().lookup_allowed(lookup, value, request)


class AdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, BoundedLookups):
            admin_class = type(
                admin_class.__name__,
                (BoundedLookups, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)


class AdminConfig(DjangoAdminConfig):
    default_site = "zcparks.admin_lookups.AdminSite"
