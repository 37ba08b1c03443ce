from django.db import migrations

from deals.sql import read_sql


class Migration(migrations.Migration):
    dependencies = [("deals", "0003_analyst_views")]

    operations = [
        migrations.RunSQL(
            sql=read_sql("0004_cheaper_text_checks", folder="migrations_sql"),
            reverse_sql=read_sql("0004_cheaper_text_checks.reverse", folder="migrations_sql"),
        ),
    ]
