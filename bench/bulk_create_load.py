"""The obvious ORM alternative to COPY, for comparison only: `python bench/bulk_create_load.py FILE`.

What a user might write: the csv module reads the file, each row becomes a model instance
(integers and dates parsed in Python), `bulk_create` inserts them in batches of 5,000, all in one
transaction. It loads a plain table and refreshes no report, so it does less than the service.
Prints the seconds taken.
"""

import csv
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
BATCH = 5_000

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
django.setup()

from django.db import connection, models, transaction  # noqa: E402 (after django.setup)


class BulkDeal(models.Model):
    customer = models.TextField()
    item = models.TextField()
    total = models.BigIntegerField()
    quantity = models.IntegerField()
    date = models.DateTimeField()

    class Meta:
        app_label = "deals"
        db_table = "bench_bulk_deals"
        managed = False

    def __str__(self) -> str:
        return f"{self.customer} {self.item} {self.total}"


def parse_date(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def main(path: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bulk_deals")
        cursor.execute(
            "CREATE TABLE bench_bulk_deals (id bigserial PRIMARY KEY, customer text NOT NULL, item text NOT NULL,"
            " total bigint NOT NULL, quantity integer NOT NULL, date timestamptz NOT NULL)"
        )
    started = time.perf_counter()
    with open(path, newline="", encoding="utf-8-sig") as file, transaction.atomic():
        batch = []
        for row in csv.DictReader(file):
            batch.append(
                BulkDeal(
                    customer=row["customer"],
                    item=row["item"],
                    total=int(row["total"]),
                    quantity=int(row["quantity"]),
                    date=parse_date(row["date"]),
                )
            )
            if len(batch) == BATCH:
                BulkDeal.objects.bulk_create(batch)
                batch = []
        BulkDeal.objects.bulk_create(batch)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_bulk_deals")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_bulk_deals")
    print(f"{rows} rows", file=sys.stderr)
    print(f"{seconds:.3f}")


if __name__ == "__main__":
    main(sys.argv[1])
