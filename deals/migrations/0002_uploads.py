from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Now

from deals.sql import migration_sql


class Migration(migrations.Migration):
    """The upload history. The SQL file creates the table; the state operation only tells Django."""

    dependencies = [("deals", "0001_deal_storage")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    **migration_sql("0002_uploads"),
                )
            ],
            state_operations=[
                migrations.CreateModel(
                    name="Upload",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("file_name", models.TextField(blank=True, default="")),
                        ("size_bytes", models.BigIntegerField(null=True)),
                        ("sha256", models.TextField(null=True)),
                        ("rows_loaded", models.BigIntegerField(null=True)),
                        ("load_id", models.BigIntegerField(null=True, unique=True)),
                        (
                            "status",
                            models.TextField(
                                choices=[("running", "Running"), ("loaded", "Loaded"), ("failed", "Failed")],
                                default="running",
                            ),
                        ),
                        ("error", models.TextField(blank=True, default="")),
                        ("started_at", models.DateTimeField(db_default=Now())),
                        ("finished_at", models.DateTimeField(null=True)),
                        (
                            "duration",
                            models.GeneratedField(
                                db_persist=True,
                                expression=F("finished_at") - F("started_at"),
                                output_field=models.DurationField(),
                            ),
                        ),
                    ],
                    options={"db_table": "uploads", "ordering": ["-id"]},
                )
            ],
        ),
    ]
