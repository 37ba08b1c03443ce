"""Property-based: any well-formed deals.csv, in any dialect we accept, gives the report that a
plain Python reading of the contract gives; any corruption of one loads or fails cleanly."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.reference import reference_report
from tests.support import post_csv, report

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("empty_dataset")]

COLUMNS = ["customer", "item", "total", "quantity", "date"]
# Letters a Russian Excel can save (cp1251), plus the characters that make CSV quoting matter.
ALPHABET = "abcXYZ_01 Жжёлпр,;\"'"
names = st.text(alphabet=ALPHABET, min_size=1, max_size=10).map(str.strip).filter(bool)


@st.composite
def datasets(draw):
    customers = draw(st.lists(names, min_size=1, max_size=8, unique=True))
    gems = draw(st.lists(names, min_size=1, max_size=6, unique=True))
    base = datetime(2018, 1, 1, tzinfo=UTC)
    deal = st.tuples(
        st.sampled_from(customers),
        st.sampled_from(gems),
        st.integers(min_value=0, max_value=10**9),
        st.integers(min_value=1, max_value=1000),
        st.integers(min_value=0, max_value=10**8).map(lambda s: base + timedelta(seconds=s, microseconds=s % 7)),
    )
    return draw(st.lists(deal, min_size=1, max_size=40))


@st.composite
def renderings(draw, deals):
    """The same deals as bytes, in a dialect drawn at random."""
    order = draw(st.permutations(COLUMNS))
    delimiter = draw(st.sampled_from([",", ";"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    pad = draw(st.sampled_from(["", " ", "  "]))
    date_style = draw(st.sampled_from(["space", "T", "offset"]))
    blank_every = draw(st.sampled_from([0, 1, 3]))

    def date_text(value: datetime) -> str:
        if date_style == "offset":
            return (value + timedelta(hours=3)).isoformat().replace("+00:00", "+03:00")
        return value.isoformat(sep=" " if date_style == "space" else "T").removesuffix("+00:00")

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    header = [draw(st.sampled_from([name, name.upper(), f" {name.title()} "])) for name in order]
    writer.writerow(header)
    for number, (customer, item, total, quantity, date) in enumerate(deals):
        values = {"customer": customer, "item": item, "total": total, "quantity": quantity, "date": date_text(date)}
        writer.writerow([f"{pad}{values[name]}{pad}" for name in order])
        if blank_every and number % blank_every == 0:
            out.write(newline)
    content = out.getvalue().encode(encoding)
    # A cp1251 file that happens to be valid UTF-8 throughout is read as UTF-8 (as editors do).
    assume(encoding != "cp1251" or not is_utf8(content))
    return content


def is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not content.isascii()


@st.composite
def files(draw):
    deals = draw(datasets())
    return deals, draw(renderings(deals))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=files())
def test_any_well_formed_file_gives_the_reference_report(client, case):
    deals, content = case
    response = post_csv(client, content)
    assert response.status_code == 200, (response.json(), content)
    assert response.json()["rows"] == len(deals)
    assert report(client) == reference_report(deals)


def corrupt(content: bytes, data) -> bytes:
    kind = data.draw(st.sampled_from(["delete", "insert", "replace", "truncate", "duplicate"]))
    at = data.draw(st.integers(min_value=0, max_value=len(content)))
    if kind == "delete":
        return content[:at] + content[at + data.draw(st.integers(1, 20)) :]
    if kind == "insert":
        return content[:at] + data.draw(st.binary(min_size=1, max_size=8)) + content[at:]
    if kind == "replace":
        return content[:at] + data.draw(st.binary(min_size=1, max_size=1)) + content[at + 1 :]
    if kind == "truncate":
        return content[:at]
    return content[:at] + content[at:] + content[at:]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=files(), data=st.data())
def test_a_corrupted_file_loads_or_fails_cleanly_never_a_500(client, case, data):
    _deals, content = case
    assert post_csv(client, content).status_code == 200
    before = report(client)
    response = post_csv(client, corrupt(content, data))
    assert response.status_code in (200, 400), response.content
    body = response.json()
    if response.status_code == 200:
        assert body["Status"] == "OK"
        assert all(set(entry) == {"username", "spent_money", "gems"} for entry in report(client))
    else:
        assert body["Status"] == "Error" and body["Desc"]
        assert report(client) == before
