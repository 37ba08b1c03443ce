from django.db import migrations

from deals.sql import read_sql


class Migration(migrations.Migration):
    dependencies = [("deals", "0004_cheaper_text_checks")]

    operations = [
        migrations.RunSQL(
            sql=read_sql("0005_date_finite", folder="migrations_sql"),
            reverse_sql=read_sql("0005_date_finite.reverse", folder="migrations_sql"),
        ),
    ]
