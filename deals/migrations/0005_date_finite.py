from django.db import migrations

from deals.sql import migration_sql


class Migration(migrations.Migration):
    dependencies = [("deals", "0004_cheaper_text_checks")]

    operations = [
        migrations.RunSQL(
            **migration_sql("0005_date_finite"),
        ),
    ]
