from django.db import migrations

from deals.sql import migration_sql


class Migration(migrations.Migration):
    dependencies = [("deals", "0003_analyst_views")]

    operations = [
        migrations.RunSQL(
            **migration_sql("0004_cheaper_text_checks"),
        ),
    ]
