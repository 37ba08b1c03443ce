from django.db import migrations

from deals.sql import migration_sql


class Migration(migrations.Migration):
    """Every publication recorded (a trigger on dataset), and the analysts' views over kept loads."""

    dependencies = [("deals", "0006_upload_interrupted")]

    operations = [
        migrations.RunSQL(
            **migration_sql("0007_published_loads"),
        ),
    ]
