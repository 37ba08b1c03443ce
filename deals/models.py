"""The report as Django sees it: an unmanaged model over a materialized view.

django-pgviews-redux creates the view after migrations (post_migrate) from sql/top_customers.sql,
with the unique index on username that REFRESH ... CONCURRENTLY needs.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django_pgviews import view as pg

from deals.sql import read_sql


class TopCustomer(pg.ReadOnlyMaterializedView):
    concurrent_index = "username"
    sql = read_sql("top_customers")

    rank = models.SmallIntegerField()
    username = models.TextField(primary_key=True)
    spent_money = models.BigIntegerField()
    gems = ArrayField(models.TextField())

    class Meta:
        managed = False
        db_table = "top_customers"
        ordering = ["rank"]
