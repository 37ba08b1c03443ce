"""What the page shows: the report with where it came from, and the last upload attempts."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from deals.models import Upload
from deals.sql import read_sql
from deals.uploads.selectors import upload_history

LAST_UPLOADS = 10


@dataclass(frozen=True)
class Entry:
    username: str
    spent_money: int
    gems: list[str]


@dataclass(frozen=True)
class PageReport:
    entries: list[Entry]
    published_at: datetime | None  # None before the first upload
    upload_id: int | None
    file_name: str
    rows: int | None


def page_report() -> PageReport:
    """The top five and the upload that published them, read in one snapshot (sql/web/page_report.sql)."""
    with connection.cursor() as cursor:
        cursor.execute(read_sql("web/page_report"))
        rows = cursor.fetchall()
    published_at, upload_id, file_name, loaded = rows[0][:4] if rows else (None, None, "", None)
    entries = [Entry(username, spent, gems) for *_, username, spent, gems in rows if username is not None]
    return PageReport(
        entries=entries, published_at=published_at, upload_id=upload_id, file_name=file_name or "", rows=loaded
    )


def last_uploads() -> list[Upload]:
    return list(upload_history()[:LAST_UPLOADS])
