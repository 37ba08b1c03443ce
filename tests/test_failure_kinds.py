"""Each kind of failure has one HTTP status (the API) and one exit status (load_deals)."""

import pytest

from deals.api.statuses import http_status
from deals.errors import Failure
from deals.management.commands.load_deals import EXIT_STATUS


@pytest.mark.parametrize("kind", list(Failure))
def test_every_kind_of_failure_has_an_http_error_status(kind):
    assert 400 <= http_status(kind) < 600


@pytest.mark.parametrize(
    ("kind", "status"),
    [(Failure.BAD_FILE, 400), (Failure.TOO_LARGE, 413), (Failure.BUSY, 409), (Failure.DATABASE_DOWN, 503)],
)
def test_the_contracts_statuses(kind, status):
    assert http_status(kind) == status


def test_only_a_stopped_load_has_an_exit_status_of_its_own():
    assert EXIT_STATUS == {Failure.STOPPED: 130}
