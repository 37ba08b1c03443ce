from django.db import migrations

from deals.sql import read_sql


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.RunSQL(
            sql=read_sql("0001_deal_storage", folder="migrations_sql"),
            reverse_sql=read_sql("0001_deal_storage.reverse", folder="migrations_sql"),
        ),
    ]
