from django.db import migrations, models


def experts_become_their_own_role(apps, schema_editor):
    """Until now an expert was a national account told apart only by the kind of its
    assignments. An account that was only ever assigned as an expert, and never decided, assigned
    or acted in the workflow, is an expert; every other national account stays a reviewer."""
    User = apps.get_model("applications", "User")
    ReviewAssignment = apps.get_model("applications", "ReviewAssignment")
    ApplicationEvent = apps.get_model("applications", "ApplicationEvent")
    experts = set(ReviewAssignment.objects.filter(kind="expert").values_list("assignee_id", flat=True))
    reviewers = set(ReviewAssignment.objects.filter(kind="reviewer").values_list("assignee_id", flat=True))
    acted = set(ApplicationEvent.objects.values_list("actor_id", flat=True))
    assigned_others = set(ReviewAssignment.objects.values_list("assigned_by_id", flat=True))
    only_experts = experts - reviewers - acted - assigned_others
    User.objects.filter(pk__in=only_experts, role="national").update(role="expert")


def experts_back_to_national(apps, schema_editor):
    User = apps.get_model("applications", "User")
    User.objects.filter(role="expert").update(role="national")


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0007_pending_effects'),
    ]

    operations = [
        migrations.AlterField(
            model_name='user',
            name='role',
            field=models.CharField(choices=[('applicant', '园区申报人'), ('provincial', '省级审核人'), ('national', '国家级评审人'), ('expert', '评审专家'), ('admin', '系统管理员')], default='applicant', max_length=16, verbose_name='角色'),
        ),
        migrations.RunPython(experts_become_their_own_role, experts_back_to_national),
    ]
