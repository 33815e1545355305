"""The navigation each role sees: every entry shows for whoever holds its permission in the
permission table (applications/permissions.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import permissions


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    permission: str

    @property
    def roles(self) -> frozenset[str]:
        return permissions.roles_with(self.permission)


NAV_ITEMS: list[NavItem] = [
    NavItem("home", _("工作台"), "home", "workbench"),
    NavItem("parks", _("园区"), "park_list", "browse_parks"),
    NavItem("my_park", _("本园区"), "my_park", "own_park"),
    NavItem("energy", _("能源数据"), "accounting:mine", "enter_energy_data"),
    NavItem("applications", _("申报书"), "application_list", "list_applications"),
    NavItem("programmes", _("建设方案"), "programme_list", "list_programmes"),
    NavItem("reports", _("进展报告"), "report_list", "list_reports"),
    NavItem("guidance", _("省级指导"), "guidance_list", "list_guidance"),
    # The park platform's API tokens, and the API documentation.
    NavItem("api_tokens", _("API 令牌"), "api_tokens_mine", "manage_api_tokens"),
    NavItem("api_docs", _("接口文档"), "api:docs", "read_api_docs"),
    # The reviewers' queues.
    NavItem("review_provincial", _("省级审核"), "review_queue_provincial", "queue_provincial"),
    NavItem("review_national", _("国家评审"), "review_queue_national", "queue_national"),
    NavItem("review_mine", _("指派给我"), "review_queue_mine", "queue_mine"),
    NavItem("acceptance_mine", _("验收评审"), "acceptance_queue_mine", "queue_acceptance_mine"),
    NavItem("score_table", _("评分汇总"), "score_table", "score_table"),
    NavItem("deadlines", _("截止时间"), "deadlines", "set_submission_deadline"),
]


def items_for(user) -> list[NavItem]:
    return [item for item in NAV_ITEMS if permissions.may(user, item.permission)]
