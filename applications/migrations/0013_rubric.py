"""The batch's rubric, and score sheets in its shape.

Sheets scored before (four unweighted 0–100 numbers) keep their numbers in `values`, with the
four criteria at equal weights of 25 % in `criteria` (their old total / 4: the same ranking) and
`legacy` set; nothing is lost and the page marks them as the old sheet.
"""
from decimal import ROUND_HALF_UP, Decimal

import django.db.models.deletion
from django.db import migrations, models

OLD = (("representativeness", "产业代表性"), ("demonstration", "综合示范性"),
       ("reduction_potential", "碳减排潜力"), ("feasibility", "指标可行性"))


def into_new_shape(apps, schema_editor):
    ReviewScore = apps.get_model("applications", "ReviewScore")
    for sheet in ReviewScore.objects.all().iterator():
        values = {key: getattr(sheet, key) for key, _name in OLD}
        sheet.values = values
        sheet.criteria = [{"key": key, "name": name, "weight": "25"} for key, name in OLD]
        sheet.weighted_total = (Decimal(sum(values.values())) / 4).quantize(
            Decimal("0.01"), ROUND_HALF_UP)
        sheet.legacy = True
        sheet.save(update_fields=["values", "criteria", "weighted_total", "legacy"])


def back_to_old_shape(apps, schema_editor):
    ReviewScore = apps.get_model("applications", "ReviewScore")
    for sheet in ReviewScore.objects.all().iterator():
        for key, _name in OLD:
            setattr(sheet, key, int(sheet.values.get(key) or 0))
        sheet.save(update_fields=[key for key, _name in OLD])


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0012_construction_programme"),
    ]

    operations = [
        migrations.CreateModel(
            name="RubricCriterion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("key", models.SlugField(help_text="评分表中的字段名（英文字母、数字、下划线）。",
                                         max_length=40, verbose_name="代码")),
                ("name", models.CharField(max_length=60, verbose_name="评分项")),
                ("weight", models.DecimalField(decimal_places=2, max_digits=5,
                                               verbose_name="权重（%）")),
                ("guidance", models.TextField(blank=True, verbose_name="评分指导")),
                ("order", models.PositiveSmallIntegerField(default=0, verbose_name="顺序")),
                ("batch", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                            related_name="criteria", to="applications.batch",
                                            verbose_name="批次")),
            ],
            options={
                "verbose_name": "评分标准",
                "verbose_name_plural": "评分标准",
                "ordering": ["batch", "order", "pk"],
                "constraints": [models.UniqueConstraint(fields=("batch", "key"),
                                                        name="rubric_key_once")],
            },
        ),
        migrations.AddField(
            model_name="reviewscore", name="criteria",
            field=models.JSONField(default=list, verbose_name="评分标准"),
        ),
        migrations.AddField(
            model_name="reviewscore", name="values",
            field=models.JSONField(default=dict, verbose_name="各项得分"),
        ),
        migrations.AddField(
            model_name="reviewscore", name="weighted_total",
            field=models.DecimalField(decimal_places=2, max_digits=5, null=True,
                                      verbose_name="加权总分"),
        ),
        migrations.AddField(
            model_name="reviewscore", name="legacy",
            field=models.BooleanField(default=False, verbose_name="旧版评分（四项等权）"),
        ),
        migrations.RunPython(into_new_shape, back_to_old_shape),
        migrations.AlterField(
            model_name="reviewscore", name="weighted_total",
            field=models.DecimalField(decimal_places=2, max_digits=5, verbose_name="加权总分"),
        ),
        migrations.RemoveField(model_name="reviewscore", name="representativeness"),
        migrations.RemoveField(model_name="reviewscore", name="demonstration"),
        migrations.RemoveField(model_name="reviewscore", name="reduction_potential"),
        migrations.RemoveField(model_name="reviewscore", name="feasibility"),
    ]
