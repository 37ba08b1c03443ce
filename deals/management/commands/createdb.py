"""`manage.py createdb`: create the configured database if it does not exist yet."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from deals import driver
from deals.driver import pgsql
from deals.sql import read_sql


class Command(BaseCommand):
    help = "Create the database named in DATABASE_URL if it does not exist (used by `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Database alias (default: default).")

    def handle(self, *args, **options):
        params = connections[options["database"]].get_connection_params()
        name = params["dbname"]
        params["dbname"] = "postgres"
        try:
            admin = driver.connect(params)
        except driver.OperationalError as error:
            raise CommandError(f"cannot reach PostgreSQL: {error}".strip()) from error
        admin.autocommit = True
        try:
            with admin.cursor() as cursor:
                cursor.execute(read_sql("management/database_exists"), [name])
                if cursor.fetchone():
                    if options["verbosity"] >= 2:
                        self.stdout.write(f"database {name} exists")
                    return
                cursor.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
                if options["verbosity"] >= 1:
                    self.stdout.write(f"created database {name}")
        finally:
            admin.close()
