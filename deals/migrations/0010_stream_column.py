from django.db import migrations

from deals.sql import migration_sql


class Migration(migrations.Migration):
    """The stream column of deal_rows (parallel COPY): raw SQL only, deal_rows has no Django model."""

    dependencies = [("deals", "0009_upload_progress")]

    operations = [migrations.RunSQL(**migration_sql("0010_stream_column"))]
