"""What the park and application endpoints answer."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from applications.models import (
    Application,
    ApplicationEvent,
    Batch,
    EventAction,
    Indicator,
    Park,
    ParkScope,
    ProgrammeStage,
    Province,
    ReportKind,
    ReportStatus,
    Role,
    Status,
    Submission,
    ZoneLevel,
)
from applications.models.programme import TargetSource


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["code", "name_zh", "name_en"]


class ParkSerializer(serializers.ModelSerializer):
    province = ProvinceSerializer()
    scope = serializers.ChoiceField(choices=ParkScope.choices)
    zone_level = serializers.ChoiceField(choices=ZoneLevel.choices)
    division_code = serializers.CharField(
        help_text=_("园区所在市、县的行政区划代码（GB/T 2260，6 位）；未选择时为空字符串")
    )
    division_name = serializers.SerializerMethodField(
        help_text=_("园区所在市、县的名称，如“南京市 / 江宁区”；未选择时为空字符串")
    )

    class Meta:
        model = Park
        fields = [
            "id",
            "name",
            "name_en",
            "province",
            "division_code",
            "division_name",
            "scope",
            "zone_level",
            "management_body",
        ]

    def get_division_name(self, park: Park) -> str:
        from applications import admin_areas  # deferred: shapely

        return admin_areas.place_label(park.division_code)


class ParkRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Park
        fields = ["id", "name"]


class BatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = Batch
        fields = ["id", "name", "year", "deadline"]


class ApplicationSerializer(serializers.ModelSerializer):
    park = ParkRefSerializer()
    batch = BatchSerializer()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(
        source="get_status_display", help_text=_("评审人员看到的状态名称")
    )
    applicant_status_label = serializers.CharField(help_text=_("园区看到的状态说明"))

    class Meta:
        model = Application
        fields = [
            "id",
            "park",
            "batch",
            "status",
            "status_label",
            "applicant_status_label",
            "submitted_at",
            "submission_count",
            "created_at",
            "updated_at",
        ]


class EventSerializer(serializers.ModelSerializer):
    action = serializers.ChoiceField(choices=EventAction.choices)
    from_status = serializers.ChoiceField(choices=Status.choices)
    to_status = serializers.ChoiceField(choices=Status.choices)

    class Meta:
        model = ApplicationEvent
        fields = ["action", "from_status", "to_status", "comment", "created_at"]


class SubmissionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Submission
        fields = ["number", "submitted_at"]


class ApplicationDetailSerializer(ApplicationSerializer):
    events = EventSerializer(many=True, help_text=_("状态变化记录，按时间先后"))
    submissions = SubmissionSerializer(many=True)

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "events", "submissions"]


class TokenInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    prefix = serializers.CharField(source="display_prefix")
    created_at = serializers.DateTimeField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    park = ParkRefSerializer(allow_null=True)
    token = TokenInfoSerializer(
        allow_null=True, help_text=_("用令牌调用时为该令牌，用登录会话时为 null")
    )
    can_push_data = serializers.BooleanField(help_text=_("是否可以推送该园区的能源数据"))


# --- After approval: the construction programme -------------------------------------------------

DECIMAL_HELP = _("十进制数字符串；单位能耗碳排放为 tCO2/tce，其他指标为比例（0.9 即 90%）")


class ProgrammeTargetSerializer(serializers.Serializer):
    indicator = serializers.ChoiceField(choices=Indicator.choices)
    label = serializers.CharField(source="get_indicator_display")
    year = serializers.IntegerField()
    value = serializers.DecimalField(
        max_digits=16,
        decimal_places=6,
        allow_null=True,
        coerce_to_string=True,
        help_text=DECIMAL_HELP,
    )
    not_applicable = serializers.BooleanField()
    reason = serializers.CharField(help_text=_("不适用原因"))
    source = serializers.ChoiceField(
        choices=TargetSource.choices, help_text=_("申报书分年度目标，或申报书未填时取附件3的要求")
    )


class IndicatorResultSerializer(serializers.Serializer):
    indicator = serializers.ChoiceField(choices=Indicator.choices)
    target = serializers.CharField(allow_null=True, help_text=DECIMAL_HELP)
    actual = serializers.CharField(allow_null=True, help_text=DECIMAL_HELP)
    reached = serializers.BooleanField(
        allow_null=True, help_text=_("核心指标不高于目标、引导指标不低于目标为达到")
    )
    not_applicable = serializers.BooleanField()


class YearResultSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    run_id = serializers.IntegerField(
        allow_null=True, help_text=_("当年最新成功核算的编号；无核算为空")
    )
    indicators = IndicatorResultSerializer(many=True)


class ReportRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    submitted_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)


class ProgrammeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    park = ParkRefSerializer()
    application_id = serializers.IntegerField()
    period_start = serializers.IntegerField()
    period_end = serializers.IntegerField()
    stage = serializers.ChoiceField(choices=ProgrammeStage.choices)
    stage_label = serializers.CharField(source="get_stage_display")
    targets = ProgrammeTargetSerializer(many=True)
    results = YearResultSerializer(many=True)
    reports = ReportRefSerializer(many=True)
