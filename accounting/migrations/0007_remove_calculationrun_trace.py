from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounting", "0006_pack_existing_traces"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="calculationrun",
            name="trace",
        ),
    ]
