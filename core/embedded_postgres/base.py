"""Django's PostgreSQL backend for the embedded server: it starts the server before connecting."""

from django.db.backends.postgresql import base

from core import embedded_postgres


class DatabaseWrapper(base.DatabaseWrapper):
    """Every connection (and `manage.py createdb`, which asks for the parameters) goes through
    get_connection_params, so the server is up, and this process counted as its user, first."""

    def get_connection_params(self) -> dict:
        embedded_postgres.attach()
        return super().get_connection_params()
