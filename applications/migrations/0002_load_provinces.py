"""The 31 provincial-level divisions are reference data every installation needs."""
from django.db import migrations


def load(apps, schema_editor):
    from applications.models.people import read_provinces

    Province = apps.get_model("applications", "Province")
    for row in read_provinces():
        Province.objects.update_or_create(
            code=row["code"], defaults={"name_zh": row["name_zh"], "name_en": row["name_en"]}
        )


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
