"""What the energy-data endpoints answer (and, for the schema, what they accept)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounting.models import CalculationRun, ImportBatch, RunStatus


class RunSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=RunStatus.choices)

    class Meta:
        model = CalculationRun
        fields = [
            "id",
            "status",
            "factor_set_code",
            "factor_set_version",
            "method_version",
            "input_digest",
            "inputs_as_of",
            "started_at",
            "finished_at",
            "duration_ms",
            "error",
        ]
        extra_kwargs = {
            "method_version": {
                "help_text": _(
                    "核算所用方法规则的版本（门槛、分档与目标值）；为空表示该次核算早于方法版本的记录"
                )
            }
        }


class RunDetailSerializer(RunSerializer):
    result = serializers.JSONField(
        allow_null=True,
        help_text=_("引擎的结果：各指标、分项排放与核算说明；数值均为精确的十进制字符串"),
    )
    trace = serializers.SerializerMethodField(
        help_text=_("计算过程（columns 与 rows），仅在 include_trace=true 时给出，否则为 null")
    )

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "result", "trace"]

    def get_trace(self, run: CalculationRun) -> dict | None:
        return run.trace if self.context.get("include_trace") else None


class LatestResultSerializer(serializers.Serializer):
    park_id = serializers.IntegerField()
    year = serializers.IntegerField()
    pending = serializers.BooleanField(help_text=_("数据在最近一次核算之后有变动，新的核算已排队"))
    latest_run = RunSerializer(allow_null=True, help_text=_("最近一次核算，无论成败"))
    result = RunDetailSerializer(allow_null=True, help_text=_("最近一次成功的核算及其结果"))


class ParkYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    factor_set_code = serializers.CharField(help_text=_("指定的因子集；空表示按年度默认"))
    inputs_changed_at = serializers.DateTimeField(allow_null=True)
    latest_run = RunSerializer(allow_null=True)


class ImportSerializer(serializers.ModelSerializer):
    format = serializers.ChoiceField(choices=ImportBatch.Format.choices)

    class Meta:
        model = ImportBatch
        fields = ["id", "sha256", "filename", "format", "row_counts", "applied_at"]


class PushResultSerializer(serializers.Serializer):
    park_id = serializers.IntegerField()
    year = serializers.IntegerField()
    import_batch = ImportSerializer(source="batch")
    recalculation = serializers.CharField(help_text=_("queued：核算已排队，结果见 result 接口"))
    result_url = serializers.CharField()
