"""NDRC closes a batch and so publishes its construction list (construction_list.py reads it):
an act of its own, recorded once (`BatchClosure`, append-only) and never undone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import deadlines, permissions
from .models import NATIONAL_STAGE, Batch, BatchClosure
from .workflow_base import NotAllowed, WorkflowError, WrongState

if TYPE_CHECKING:
    from .models import User

BATCH_CLOSE_CONFIRMATION = _(
    "将关闭“%(batch)s”：本批次已纳入建设名单的 %(n)s 个园区形成建设名单，在公开页面按省份发布，"
    "任何人无需登录即可查看和导出。关闭后本批次不能重新打开，此操作不能撤销。"
)
BATCH_CLOSE_SUCCESS = _(
    "已关闭“%(batch)s”并发布建设名单（%(n)s 个园区），公开页面和导出文件即时可用。"
)


def close_batch(user: User, batch: Batch, comment: str = "") -> BatchClosure:
    """NDRC closes a batch once the provinces' date has passed and no application of it awaits
    NDRC's decision; its approved parks form the published construction list. The closing is
    recorded (`BatchClosure`, append-only) and never undone."""
    comment = (comment or "").strip()
    if "\x00" in comment:
        raise WorkflowError(str(_("说明中含有无效字符（NUL）。")))
    with transaction.atomic():
        if not permissions.may(user, "close_batch"):
            raise NotAllowed(str(_("只有国家发展改革委评审人员可以关闭批次、发布建设名单。")))
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        closed = BatchClosure.objects.filter(batch=locked).first()
        if closed is not None:
            raise WrongState(
                str(_("“%(batch)s”已于%(date)s关闭，建设名单已发布。"))
                % {"batch": locked.name, "date": deadlines.label(closed.created_at)}
            )
        if timezone.now() <= locked.deadline:
            raise WrongState(
                str(_("省级推荐报送截止时间（%(date)s）之前不能关闭“%(batch)s”。"))
                % {"batch": locked.name, "date": deadlines.label(locked.deadline)}
            )
        waiting = locked.applications.filter(status__in=NATIONAL_STAGE).count()
        if waiting:
            raise WrongState(
                str(_("“%(batch)s”还有 %(n)s 份申报书等待国家发展改革委作出决定，不能关闭。"))
                % {"batch": locked.name, "n": waiting}
            )
        closure = BatchClosure.objects.create(batch=locked, actor=user, comment=comment)
    return closure
