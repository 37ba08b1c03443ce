from django.db import migrations

from deals.sql import migration_sql


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.RunSQL(
            **migration_sql("0001_deal_storage"),
        ),
    ]
