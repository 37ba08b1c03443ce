"""`manage.py createdb`: create the configured database if it does not exist yet."""

import psycopg2
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from psycopg2 import sql as pgsql


class Command(BaseCommand):
    help = "Create the database named in DATABASE_URL if it does not exist (used by `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Database alias (default: default).")

    def handle(self, *args, **options):
        params = connections[options["database"]].get_connection_params()
        name = params.pop("dbname")
        params["dbname"] = "postgres"
        try:
            admin = psycopg2.connect(**params)
        except psycopg2.OperationalError as error:
            raise CommandError(f"cannot reach PostgreSQL: {error}".strip()) from error
        admin.autocommit = True
        try:
            with admin.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
                if cursor.fetchone():
                    if options["verbosity"] >= 2:
                        self.stdout.write(f"database {name} exists")
                    return
                cursor.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
                if options["verbosity"] >= 1:
                    self.stdout.write(f"created database {name}")
        finally:
            admin.close()
