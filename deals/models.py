"""The report as Django sees it: an unmanaged model over a materialized view.

django-pgviews-redux creates the view after migrations (post_migrate) from sql/report/top_customers.sql,
with the unique index on username that REFRESH ... CONCURRENTLY needs.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Func
from django.db.models.functions import Now
from django_pgviews import view as pg

from deals.report.by_load import live_report_sql


class TopCustomer(pg.ReadOnlyMaterializedView):
    concurrent_index = "username"
    sql = live_report_sql()

    rank = models.SmallIntegerField()
    username = models.TextField(primary_key=True)
    spent_money = models.BigIntegerField()
    gems = ArrayField(models.TextField())

    class Meta:
        managed = False
        db_table = "top_customers"
        ordering = ["rank"]


class Upload(models.Model):
    """One upload attempt (API or `manage.py load_deals`), written by deals.uploads.

    Managed by Django so that test flushes and dumpdata know the table, but its DDL (checks,
    comments, the generated duration) is migrations_sql/0002_uploads.sql: the migration runs that
    SQL and only tells Django's state what it created.
    """

    class Status(models.TextChoices):
        RUNNING = "running"
        LOADED = "loaded"
        CHECKED = "checked"  # a check-only upload found no problem (nothing was stored)
        FAILED = "failed"
        INTERRUPTED = "interrupted"  # its process ended first (deals/uploads/reaper.py)

    class Phase(models.TextChoices):
        """Where a running upload is (deals/uploads/progress.py); NULL once it has finished."""

        RECEIVING = "receiving"  # the file is arriving (and COPY storing it as it comes)
        COPYING = "copying"  # all of it read; COPY storing the last rows
        PUBLISHING = "publishing"  # COPY done: analyze, publish lock, attach, refresh, commit

    file_name = models.TextField(blank=True, default="")
    size_bytes = models.BigIntegerField(null=True)
    sha256 = models.TextField(null=True)  # noqa: DJ001 (NULL: refused unread, no hash; never "")
    rows_loaded = models.BigIntegerField(null=True)
    load_id = models.BigIntegerField(null=True, unique=True)
    status = models.TextField(choices=Status.choices, default=Status.RUNNING)
    error = models.TextField(blank=True, default="")
    # The file's bad lines as the client was told them: {"errors": [...], "error_count", "error_count_exact"}.
    problems = models.JSONField(null=True)
    check_only = models.BooleanField(default=False)  # ?check=1 / load_deals --check: nothing was published
    http_status = models.SmallIntegerField(null=True)  # what the client was answered (API's, for load_deals)
    started_at = models.DateTimeField(db_default=Now())
    finished_at = models.DateTimeField(null=True)
    # Live progress (migrations_sql/0009_upload_progress.sql), written at most about once a second.
    phase = models.TextField(choices=Phase.choices, null=True)  # noqa: DJ001 (NULL: finished)
    bytes_received = models.BigIntegerField(null=True)
    copy_pids = ArrayField(models.IntegerField(), default=list)  # the load's COPY backends
    rows_copied = models.BigIntegerField(null=True)  # COPY's count once it has ended
    # The backend of the connection that inserted the row (and runs the load): filled by the
    # database's defaults; the reaper marks a `running` row whose backend is gone `interrupted`.
    backend_pid = models.IntegerField(null=True, db_default=Func(function="pg_backend_pid"))
    backend_start = models.DateTimeField(null=True, db_default=Func(function="current_backend_start"))
    duration = models.GeneratedField(
        expression=F("finished_at") - F("started_at"), output_field=models.DurationField(), db_persist=True
    )

    class Meta:
        db_table = "uploads"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"upload {self.pk} ({self.file_name}): {self.status}"

    @property
    def duration_seconds(self) -> float | None:
        return None if self.duration is None else self.duration.total_seconds()
