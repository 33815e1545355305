"""What the park and application endpoints answer."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from applications.models import (
    Application,
    ApplicationEvent,
    Batch,
    EventAction,
    Park,
    ParkScope,
    Province,
    Role,
    Status,
    Submission,
    ZoneLevel,
)


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["code", "name_zh", "name_en"]


class ParkSerializer(serializers.ModelSerializer):
    province = ProvinceSerializer()
    scope = serializers.ChoiceField(choices=ParkScope.choices)
    zone_level = serializers.ChoiceField(choices=ZoneLevel.choices)

    class Meta:
        model = Park
        fields = ["id", "name", "name_en", "province", "scope", "zone_level", "management_body"]


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
    status_label = serializers.CharField(source="get_status_display",
                                         help_text=_("评审人员看到的状态名称"))
    applicant_status_label = serializers.CharField(help_text=_("园区看到的状态说明"))

    class Meta:
        model = Application
        fields = ["id", "park", "batch", "status", "status_label", "applicant_status_label",
                  "submitted_at", "submission_count", "created_at", "updated_at"]


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
    token = TokenInfoSerializer(allow_null=True,
                                help_text=_("用令牌调用时为该令牌，用登录会话时为 null"))
    can_push_data = serializers.BooleanField(help_text=_("是否可以推送该园区的能源数据"))
