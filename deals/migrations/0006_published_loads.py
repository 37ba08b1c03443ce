from django.db import migrations

from deals.sql import migration_sql


class Migration(migrations.Migration):
    """Every publication recorded (a trigger on dataset), and the analysts' views over kept loads."""

    dependencies = [("deals", "0005_date_finite")]

    operations = [
        migrations.RunSQL(
            **migration_sql("0006_published_loads"),
        ),
    ]
