"""The cast every test can use, built once per test: two parks in one province, a third province,
and one person for each role and scope."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from applications.models import Park, Role, User

from .factories import ParkFactory, UserFactory, province


@dataclass
class Cast:
    park_a: Park
    park_b: Park
    park_c: Park  # another province
    applicant_a: User
    applicant_b: User
    applicant_c: User
    provincial_a: User  # province of parks A and B
    provincial_other: User
    national: User
    admin: User


@pytest.fixture
def cast(db) -> Cast:
    jiangsu, anhui = province("32"), province("34")
    park_a = ParkFactory(name="甲园区", province=jiangsu)
    park_b = ParkFactory(name="乙园区", province=jiangsu)
    park_c = ParkFactory(name="丙园区", province=anhui)
    return Cast(
        park_a=park_a,
        park_b=park_b,
        park_c=park_c,
        applicant_a=UserFactory(username="applicant_a", role=Role.APPLICANT, park=park_a),
        applicant_b=UserFactory(username="applicant_b", role=Role.APPLICANT, park=park_b),
        applicant_c=UserFactory(username="applicant_c", role=Role.APPLICANT, park=park_c),
        provincial_a=UserFactory(username="prov_js", role=Role.PROVINCIAL, province=jiangsu),
        provincial_other=UserFactory(username="prov_ah", role=Role.PROVINCIAL, province=anhui),
        national=UserFactory(username="national", role=Role.NATIONAL),
        admin=UserFactory(username="admin", role=Role.ADMIN),
    )


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    """Uploaded and generated files go to a temporary folder, never into the working tree."""
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s per user; tests that are about hashing use their own settings.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
