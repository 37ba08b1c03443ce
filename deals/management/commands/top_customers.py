"""`manage.py top_customers`: the report of GET /api/deals/, as a table or as the API's JSON."""

import json as jsonlib

from django.core.management.base import BaseCommand

from deals.report.selectors import report_render

COLUMNS = ("rank", "username", "spent_money", "gems")


class Command(BaseCommand):
    help = "Print the top-five report as a table, or with --json exactly the JSON of GET /api/deals/."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the API's JSON instead of a table.")

    def handle(self, *args, json: bool, verbosity: int, **options):
        rendered = report_render()  # the very bytes GET /api/deals/ sends
        report = jsonlib.loads(rendered.body)["response"]
        if json:
            self.stdout.write(rendered.body.decode())
        elif report:
            self.stdout.write(table(report))
        elif verbosity >= 1:
            self.stdout.write("no deals loaded yet")


def table(report: list[dict]) -> str:
    rows = [COLUMNS] + [
        (str(rank), entry["username"], str(entry["spent_money"]), ", ".join(entry["gems"]))
        for rank, entry in enumerate(report, start=1)
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    right_aligned = {0, 2}
    lines = [
        "  ".join(
            cell.rjust(w) if i in right_aligned else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)
