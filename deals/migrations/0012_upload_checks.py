from django.db import migrations, models

from deals.sql import migration_sql


class Migration(migrations.Migration):
    """Records keep every bad line their client was told of, and may be check-only. The SQL file alters the
    table; the state operations only tell Django."""

    dependencies = [("deals", "0011_deal_rows_column_order")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(**migration_sql("0012_upload_checks"))],
            state_operations=[
                migrations.AddField(model_name="upload", name="check_only", field=models.BooleanField(default=False)),
                migrations.AddField(model_name="upload", name="problems", field=models.JSONField(null=True)),
                migrations.AlterField(
                    model_name="upload",
                    name="status",
                    field=models.TextField(
                        choices=[
                            ("running", "Running"),
                            ("loaded", "Loaded"),
                            ("checked", "Checked"),
                            ("failed", "Failed"),
                            ("interrupted", "Interrupted"),
                        ],
                        default="running",
                    ),
                ),
            ],
        ),
    ]
