from django.db import migrations, models
from django.db.models import Func

from deals.sql import migration_sql


class Migration(migrations.Migration):
    """Records say the HTTP status answered and which backend runs them, and may end `interrupted`."""

    dependencies = [("deals", "0005_date_finite")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(**migration_sql("0006_upload_interrupted"))],
            state_operations=[
                migrations.AddField(
                    model_name="upload",
                    name="http_status",
                    field=models.SmallIntegerField(null=True),
                ),
                migrations.AddField(
                    model_name="upload",
                    name="backend_pid",
                    field=models.IntegerField(db_default=Func(function="pg_backend_pid"), null=True),
                ),
                migrations.AddField(
                    model_name="upload",
                    name="backend_start",
                    field=models.DateTimeField(db_default=Func(function="current_backend_start"), null=True),
                ),
                migrations.AlterField(
                    model_name="upload",
                    name="status",
                    field=models.TextField(
                        choices=[
                            ("running", "Running"),
                            ("loaded", "Loaded"),
                            ("failed", "Failed"),
                            ("interrupted", "Interrupted"),
                        ],
                        default="running",
                    ),
                ),
            ],
        ),
    ]
