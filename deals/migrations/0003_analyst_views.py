from django.db import migrations

from deals.sql import read_sql


class Migration(migrations.Migration):
    """Plain views for psql over the live deals, and descriptions for every column 0001 left bare.

    The view SQL lives in sql/ (runnable in psql as it is); a later change to a view re-runs its
    file from a new migration (the files use CREATE OR REPLACE VIEW).
    """

    dependencies = [("deals", "0002_uploads")]

    operations = [
        migrations.RunSQL(sql=read_sql("analyst/customer_totals"), reverse_sql="DROP VIEW IF EXISTS customer_totals"),
        migrations.RunSQL(sql=read_sql("analyst/gem_sales"), reverse_sql="DROP VIEW IF EXISTS gem_sales"),
        migrations.RunSQL(
            sql=read_sql("0003_column_comments", folder="migrations_sql"), reverse_sql=migrations.RunSQL.noop
        ),
    ]
