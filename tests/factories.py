"""factory_boy factories shared by the tests."""

from __future__ import annotations

import factory

from applications.models import Park, ParkScope, Province, Role, User, ZoneLevel

TEST_PASSWORD = "zcp-Test-pass-2025"


def province(code: str) -> Province:
    return Province.objects.get(code=code)


class ParkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Park

    name = factory.Sequence(lambda n: f"测试园区{n}")
    province = factory.LazyFunction(lambda: province("32"))
    scope = ParkScope.WHOLE
    zone_level = ZoneLevel.NATIONAL_ZONE
    management_body = factory.LazyAttribute(lambda o: f"{o.name}管理委员会")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    role = Role.NATIONAL
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook signature
        if create:
            obj.save()
