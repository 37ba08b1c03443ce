import django.contrib.postgres.fields
from django.db import migrations, models

from deals.sql import migration_sql


class Migration(migrations.Migration):
    """Live progress of a running upload. The SQL file alters the table; the state operations only tell Django."""

    dependencies = [("deals", "0008_reader_role")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(**migration_sql("0009_upload_progress"))],
            state_operations=[
                migrations.AddField(
                    model_name="upload",
                    name="phase",
                    field=models.TextField(
                        choices=[("receiving", "Receiving"), ("copying", "Copying"), ("publishing", "Publishing")],
                        null=True,
                    ),
                ),
                migrations.AddField(
                    model_name="upload", name="bytes_received", field=models.BigIntegerField(null=True)
                ),
                migrations.AddField(
                    model_name="upload",
                    name="copy_pids",
                    field=django.contrib.postgres.fields.ArrayField(
                        base_field=models.IntegerField(), default=list, size=None
                    ),
                ),
                migrations.AddField(model_name="upload", name="rows_copied", field=models.BigIntegerField(null=True)),
            ],
        ),
    ]
