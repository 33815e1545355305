"""Demo parks after construction: one in self-assessment, one in evaluation and acceptance (with
NDRC's expert's score sheet), one designated national zero-carbon park (on the public register,
with its certificate).

They come from a batch of their own (the first construction list, approved earlier), each
application made whole and driven through the workflow functions — submitted, recommended,
approved — and its programme through the acts after approval, never by setting a stage.
The assessment year is 2025, the year of the demo's energy data.

Idempotent and never overwriting: a park that already has an application in this batch is left
as it is, whatever happened to it since (a user may have moved it on); the batch is made only
while none of its applications exists, and closed once they are made.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from . import acceptance, acceptance_experts, programme, workflow
from .demo import DEMO_USERS
from .demo_applications import _complete
from .models import DEFAULT_ACCEPTANCE_RUBRIC, Application, Batch, Park, User

ACCEPTANCE_BATCH = "2025年首批国家级零碳园区建设名单（评估验收演示）"
YEAR = 2025
REPORT = "园区已完成建设方案确定的重点任务，能碳管理平台运行稳定，申请评估验收。"
DECISION = "园区重点任务全部完成，同意通过评估验收。"
OVERRIDE = "园区单位能耗碳排放与要求差距较小，次年已安排整改项目，建议评估验收时重点核查。"
# The demo expert's sheet on the park in acceptance (D32's criteria, in order) and opinion.
EXPERT_SCORES = (72, 85, 80, 78, 88)
EXPERT_OPINION = (
    "重点项目已全部建成投运，清洁能源消费占比提升明显；评估年度单位能耗碳排放略高于要求，"
    "建议核查次年整改项目的实施效果后再作结论。"
)
# park key → how far after approval (the province's reviewer decides at self-assessment). The
# designated park meets the core indicator in 2025; the one in acceptance does not, and was put
# forward with the province's recorded reason (DECISIONS.md D24).
PLAN = [
    ("suzhou", "self_assessment", "prov_jiangsu"),
    ("yanjiang", "acceptance", "prov_anhui"),
    ("changzhou", "designated", "prov_jiangsu"),
]


def _batch(parks: dict[str, Park]) -> Batch | None:
    batch = Batch.objects.filter(name=ACCEPTANCE_BATCH).first()
    if (
        batch is not None
        or Application.objects.filter(
            park__in=parks.values(), batch__name=ACCEPTANCE_BATCH
        ).exists()
    ):
        return batch
    now = timezone.now()
    return Batch.objects.create(
        name=ACCEPTANCE_BATCH,
        year=2025,
        # The demo's energy data covers 2023–2025 (accounting/demo.py YEARS).
        history_start=2023,
        opens_at=now - datetime.timedelta(days=400),
        deadline=now + datetime.timedelta(days=1),
    )


def load_demo_acceptance(parks: dict[str, Park]) -> None:
    batch = _batch(parks)
    if batch is None:
        return
    applicants = {u.park_key: u.username for u in DEMO_USERS if u.park_key}
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                *applicants.values(),
                *(p for *_r, p in PLAN),
                "ndrc_reviewer",
                "ndrc_expert",
            ]
        )
    }
    ndrc = users.get("ndrc_reviewer")
    made = False
    for key, stage, province in PLAN:
        park = parks.get(key)
        applicant = users.get(applicants.get(key, ""))
        reviewer = users.get(province)
        if park is None or applicant is None or reviewer is None or ndrc is None:
            continue
        if applicant.park_id != park.pk or not batch.is_open():
            continue
        if Application.objects.filter(park=park, batch=batch).exists():
            continue
        with transaction.atomic():
            application = _complete(key, park, applicant, batch)
            workflow.submit(applicant, application, declaration=workflow.DECLARATION)
            workflow.recommend(reviewer, application, "同意推荐。")
            workflow.start_national_review(ndrc, application)
            workflow.approve(ndrc, application, "建设方案可行，纳入首批建设名单。")
            opened = programme.open_for(Application.objects.get(pk=application.pk))
            workflow.request_self_assessment(applicant, opened, "建设任务已基本完成。")
            if stage in ("acceptance", "designated"):
                met = acceptance.sheet_for(opened, YEAR).core_met
                workflow.put_forward(
                    reviewer,
                    opened,
                    year=YEAR,
                    report=REPORT,
                    override_reason="" if met else OVERRIDE,
                )
            expert = users.get("ndrc_expert")
            if stage == "acceptance" and expert is not None:
                # NDRC's expert declared no conflict and scored; NDRC has not decided yet.
                acceptance_experts.assign(ndrc, opened, expert)
                acceptance_experts.declare_no_conflict(expert, opened)
                acceptance_experts.save_score(
                    expert,
                    opened,
                    {
                        key: str(score)
                        for (key, *_rest), score in zip(
                            DEFAULT_ACCEPTANCE_RUBRIC, EXPERT_SCORES, strict=True
                        )
                    },
                    EXPERT_OPINION,
                )
            if stage == "designated":
                workflow.accept(ndrc, opened, DECISION)
        made = True
    if made and batch.deadline > timezone.now():
        # The list is closed: its applications stay as they ended.
        Batch.objects.filter(pk=batch.pk).update(
            deadline=timezone.now() - datetime.timedelta(days=1)
        )
