"""Process rows naming a product of Att.4's list by another spelling now carry its Att.4 name
(D20); every other product stays as the park wrote it (an "other industrial product")."""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounting.process_products import canonical

    ProcessRecord = apps.get_model("accounting", "ProcessRecord")
    names = ProcessRecord.objects.values_list("product", flat=True).distinct()
    for name in list(names):
        listed = canonical(name)
        if listed != name:
            ProcessRecord.objects.filter(product=name).update(product=listed)


class Migration(migrations.Migration):
    dependencies = [("accounting", "0010_import_batch_file_repeatable")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
