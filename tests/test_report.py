"""GET /api/deals/: the five biggest spenders and the gems they share, as the contract says."""

import pytest

from tests.support import SAMPLE_ANSWER, csv_of, post_csv, report

pytestmark = pytest.mark.django_db


def test_before_any_upload_the_report_is_empty(client):
    response = client.get("/api/deals/")
    assert response.status_code == 200
    assert response.json() == {"response": []}


def test_the_sample_file_gives_the_contracts_answer(client, sample_csv):
    response = post_csv(client, sample_csv)
    assert response.status_code == 200
    assert response.json()["Status"] == "OK"
    assert client.get("/api/deals/").json() == {"response": SAMPLE_ANSWER}


def test_each_upload_replaces_the_previous_dataset(client):
    post_csv(client, csv_of(("alice", "Ruby", 100), ("bob", "Ruby", 50)))
    post_csv(client, csv_of(("carol", "Opal", 7)))
    assert report(client) == [{"username": "carol", "spent_money": 7, "gems": []}]


def test_fewer_than_five_customers_are_all_listed(client):
    post_csv(client, csv_of(("alice", "Ruby", 10), ("bob", "Ruby", 30), ("alice", "Opal", 5)))
    assert report(client) == [
        {"username": "bob", "spent_money": 30, "gems": ["Ruby"]},
        {"username": "alice", "spent_money": 15, "gems": ["Ruby"]},
    ]


def test_spending_is_summed_over_all_deals_of_a_customer(client):
    post_csv(client, csv_of(("alice", "Ruby", 10), ("alice", "Ruby", 20), ("alice", "Opal", 30)))
    assert report(client)[0]["spent_money"] == 60


def test_ties_are_broken_by_username_in_code_point_order(client):
    deals = [(name, "Ruby", 10) for name in ("eve", "Bob", "dave", "carol", "alice", "frank")]
    post_csv(client, csv_of(*deals))
    assert [entry["username"] for entry in report(client)] == ["Bob", "alice", "carol", "dave", "eve"]


def test_a_gem_bought_by_only_one_of_the_five_is_not_listed(client):
    post_csv(client, csv_of(("alice", "Ruby", 10), ("alice", "Opal", 10), ("bob", "Ruby", 5)))
    assert {entry["username"]: entry["gems"] for entry in report(client)} == {"alice": ["Ruby"], "bob": ["Ruby"]}


def test_a_gem_shared_with_outsiders_is_listed_only_for_its_buyers_in_the_five(client):
    top = [(name, "Filler", 1000) for name in ("a1", "a2", "a3", "a4", "a5")]
    deals = [*top, ("a1", "Opal", 1), ("a2", "Opal", 1), ("outsider", "Opal", 1), ("outsider", "Jade", 1)]
    deals.append(("a3", "Jade", 1))
    post_csv(client, csv_of(*deals))
    gems = {entry["username"]: entry["gems"] for entry in report(client)}
    assert gems == {
        "a1": ["Filler", "Opal"],
        "a2": ["Filler", "Opal"],
        "a3": ["Filler"],
        "a4": ["Filler"],
        "a5": ["Filler"],
    }


def test_gems_are_sorted_by_code_point_without_repeats(client):
    deals = [("a", gem, 10) for gem in ("Яшма", "Agate", "agate", "Яшма")]
    deals += [("b", gem, 1) for gem in ("agate", "Яшма", "Agate")]
    post_csv(client, csv_of(*deals))
    assert report(client)[0]["gems"] == ["Agate", "agate", "Яшма"]


def test_the_report_has_exactly_the_contracts_keys(client, sample_csv):
    post_csv(client, sample_csv)
    assert all(set(entry) == {"username", "spent_money", "gems"} for entry in report(client))


def test_a_name_stored_with_and_without_surrounding_spaces_is_one_customer_and_one_gem(client):
    deals = [("alice", "Ruby", 10), (" alice", "Ruby ", 20), ("alice  ", " Opal", 30), ("bob", "Ruby", 5)]
    deals.append(("bob ", "Opal", 1))
    post_csv(client, csv_of(*deals))
    assert report(client) == [
        {"username": "alice", "spent_money": 60, "gems": ["Opal", "Ruby"]},
        {"username": "bob", "spent_money": 6, "gems": ["Opal", "Ruby"]},
    ]
