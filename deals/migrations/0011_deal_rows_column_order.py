from django.db import migrations

from deals.sql import read_sql


def swap_after(create: str) -> list[str]:
    """The CREATE TABLE of a parent in one column order, then the swap that puts it in deal_rows' place."""
    return [read_sql(create, folder="migrations_sql"), read_sql("0011_deal_rows_swap", folder="migrations_sql")]


class Migration(migrations.Migration):
    """deal_rows with stream after quantity (in the padding before date): no byte per row for it.

    Raw SQL only, deal_rows has no Django model. Both ways rebuild the parent and move every stored
    load over (migrations_sql/0011_deal_rows_swap.sql); the loads keep their own layout.
    """

    dependencies = [("deals", "0010_stream_column")]

    operations = [
        migrations.RunSQL(
            sql=swap_after("0011_deal_rows_column_order"),
            reverse_sql=swap_after("0011_deal_rows_column_order.reverse"),
        )
    ]
