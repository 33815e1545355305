"""The navigation each role sees.

Later features add their entries here, with the roles they serve."""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Role


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    roles: frozenset[str]


ALL_ROLES = frozenset(Role.values)

NAV_ITEMS: list[NavItem] = [
    NavItem("home", _("工作台"), "home", ALL_ROLES),
    NavItem(
        "parks", _("园区"), "park_list", frozenset({Role.PROVINCIAL, Role.NATIONAL, Role.ADMIN})
    ),
    NavItem("my_park", _("本园区"), "my_park", frozenset({Role.APPLICANT})),
    NavItem("energy", _("能源数据"), "accounting:mine", frozenset({Role.APPLICANT})),
    NavItem("applications", _("申报书"), "application_list", ALL_ROLES),
    # Issue 7: the park platform's API tokens, and the API documentation.
    NavItem("api_tokens", _("API 令牌"), "api_tokens_mine", frozenset({Role.APPLICANT})),
    NavItem("api_docs", _("接口文档"), "api:docs",
            frozenset({Role.APPLICANT, Role.NATIONAL, Role.ADMIN})),
    # Issue 5: the reviewers' queues.
    NavItem("review_provincial", _("省级审核"), "review_queue_provincial",
            frozenset({Role.PROVINCIAL, Role.ADMIN})),
    NavItem("review_national", _("国家评审"), "review_queue_national",
            frozenset({Role.NATIONAL, Role.ADMIN})),
    NavItem("review_mine", _("指派给我"), "review_queue_mine", frozenset({Role.NATIONAL})),
]


def items_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    role = Role.ADMIN if user.is_superuser else user.role
    return [item for item in NAV_ITEMS if role in item.roles]
