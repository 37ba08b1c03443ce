"""The report from per-shard partial aggregates (deals/report/partials.py), the form it takes on
Citus (docs/scaling.md), gives exactly the materialized view's answer over the same load: each of
a load's stream tables plays a shard, sums per stored name and lists its top five's purchases, and
the combine step ranks the sums and merges the purchases.

Batches are shrunk to a byte over three streams, so consecutive records go to different streams:
a customer's deals, a name written with and without spaces, and a customer's repeated gem are
spread over several shards, and only the combine step brings them together.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deals.report.partials import load_shards, report_from_partials
from tests.reference import reference_report
from tests.support import SAMPLE_ANSWER, csv_of, post_csv, query, report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def three_streams_a_record_each(request):
    django_settings = request.getfixturevalue("settings")  # `settings` here is Hypothesis's
    django_settings.DEALS_COPY_STREAMS = 3
    django_settings.DEALS_COPY_BATCH_BYTES = 1


def loaded(client, content: bytes) -> int:
    """Upload `content`; the load's number."""
    answer = post_csv(client, content)
    assert answer.status_code == 200, answer.content
    return answer.json()["dataset"]


def test_the_sample_over_three_streams_gives_the_contracts_answer_from_its_partials(client, sample_csv):
    load = loaded(client, sample_csv)
    assert load_shards(load_id=load) == [f"deal_rows_{load}_s{k}" for k in range(3)]
    assert report_from_partials(load_id=load) == report(client) == SAMPLE_ANSWER


def test_a_customers_deals_in_every_stream_are_summed_across_them(client):
    deals = [("alice", "Ruby", 10), ("alice", "Opal", 20), ("alice", "Jade", 30), ("bob", "Opal", 50)]
    load = loaded(client, csv_of(*deals))
    streams = "SELECT count(DISTINCT stream) FROM deal_rows WHERE load_id = %s AND customer = 'alice'"
    assert query(streams, [load]) == [(3,)]
    assert (
        report_from_partials(load_id=load)
        == report(client)
        == [
            {"username": "alice", "spent_money": 60, "gems": ["Opal"]},
            {"username": "bob", "spent_money": 50, "gems": ["Opal"]},
        ]
    )


def test_equal_spending_is_ranked_by_username_in_code_point_order_across_streams(client):
    # Six customers tie at 10, some of them from deals in two streams; "B" < "a" < "b" in code points.
    deals = [("b", "Ruby", 10), ("B", "Ruby", 4), ("a", "Opal", 10), ("B", "Opal", 6), ("c", "Jade", 10)]
    deals += [("Ж", "Ruby", 5), ("d", "Ruby", 10), ("Ж", "Ruby", 5)]
    load = loaded(client, csv_of(*deals))
    answer = report_from_partials(load_id=load)
    assert [(entry["username"], entry["spent_money"]) for entry in answer] == [
        ("B", 10),
        ("a", 10),
        ("b", 10),
        ("c", 10),
        ("d", 10),
    ]
    assert answer == report(client)


def test_a_name_with_and_without_surrounding_spaces_in_different_streams_is_one_customer_and_one_gem(client):
    deals = [("alice", "Ruby", 10), (" alice", "Ruby ", 20), ("alice  ", " Opal", 30), ("bob", "Ruby", 5)]
    deals.append(("bob ", "Opal", 1))
    load = loaded(client, csv_of(*deals))
    assert (
        report_from_partials(load_id=load)
        == report(client)
        == [
            {"username": "alice", "spent_money": 60, "gems": ["Opal", "Ruby"]},
            {"username": "bob", "spent_money": 6, "gems": ["Opal", "Ruby"]},
        ]
    )


def test_a_gem_one_customer_bought_in_several_streams_is_not_shared(client):
    # alice's Ruby is in all three streams: it is still one buyer of Ruby, not three.
    deals = [
        ("alice", "Ruby", 10),
        ("alice", "Ruby", 10),
        ("alice", "Ruby", 10),
        ("bob", "Opal", 5),
        ("bob", "Opal", 5),
    ]
    load = loaded(client, csv_of(*deals, ("carol", "Opal", 1)))
    assert (
        report_from_partials(load_id=load)
        == report(client)
        == [
            {"username": "alice", "spent_money": 30, "gems": []},
            {"username": "bob", "spent_money": 10, "gems": ["Opal"]},
            {"username": "carol", "spent_money": 1, "gems": ["Opal"]},
        ]
    )


def test_a_load_of_one_stream_is_its_one_shard(client, request):
    request.getfixturevalue("settings").DEALS_COPY_STREAMS = 1
    load = loaded(client, csv_of(("alice", "Ruby", 10), ("bob", "Ruby", 5)))
    assert load_shards(load_id=load) == [f"deal_rows_{load}_s0"]
    assert report_from_partials(load_id=load) == report(client)


def test_a_load_stored_as_one_plain_table_is_its_own_only_shard(client):
    # As loads were stored before the parallel COPY: the load's partition is a plain table.
    load = loaded(client, csv_of(("alice", "Ruby", 10), ("bob", "Ruby", 5), ("alice", "Opal", 1)))
    expected = report(client)
    query(f"ALTER TABLE deal_rows DETACH PARTITION deal_rows_{load}")
    query(f"ALTER TABLE deal_rows_{load} RENAME TO deal_rows_{load}_streams")
    query(f"CREATE TABLE deal_rows_{load} AS SELECT * FROM deal_rows_{load}_streams")
    assert load_shards(load_id=load) == [f"deal_rows_{load}"]
    assert report_from_partials(load_id=load) == expected


def test_a_load_with_no_stored_table_has_no_partials():
    with pytest.raises(LookupError, match="no table of load 999999"):
        report_from_partials(load_id=999999)


# Names a Russian Excel can save, with spaces around them (stored as sent, trimmed by the report).
names = st.builds(
    lambda pad_left, name, pad_right: pad_left + name + pad_right,
    st.sampled_from(["", " ", "  "]),
    st.text(alphabet="abXY_Жж", min_size=1, max_size=3),
    st.sampled_from(["", " "]),
)
deals = st.lists(
    st.tuples(names, st.sampled_from(["Ruby", " Opal", "Jade ", "Рубин"]), st.integers(0, 50)), min_size=1, max_size=30
)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_dataset")
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(deals=deals)
def test_any_small_dataset_over_three_streams_gives_the_views_answer_from_its_partials(client, deals):
    load = loaded(client, csv_of(*deals))
    trimmed = [(customer.strip(), item.strip(), total) for customer, item, total in deals]
    assert report_from_partials(load_id=load) == report(client) == reference_report(trimmed)
