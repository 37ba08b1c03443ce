"""Property-based: any well-formed deals.csv, in any dialect, encoding and compression we accept,
gives the report that a plain Python reading of the contract gives; any corruption of one, before
or after compression, loads or fails cleanly with a 4xx naming a line, and changes nothing."""

import codecs
import csv
import gzip
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import zstandard
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from deals import messages
from tests.reference import reference_report
from tests.support import post_csv, report

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("empty_dataset")]


@pytest.fixture(autouse=True)
def streams_at_every_record(request):
    """Three COPY streams taking a batch per record, so every file generated crosses stream boundaries."""
    django_settings = request.getfixturevalue("settings")  # `settings` here is Hypothesis's
    django_settings.DEALS_COPY_STREAMS = 3
    django_settings.DEALS_COPY_BATCH_BYTES = 1


COLUMNS = ["customer", "item", "total", "quantity", "date"]
# Letters a Russian Excel can save (cp1251), plus the characters that make CSV quoting matter.
ALPHABET = "abcXYZ_01 Жжёлпр,;\"'"
# Line breaks, blank lines and the other delimiters inside quoted values, kept exactly.
MULTI_LINE_ALPHABET = ALPHABET + "\n\r\t|"
names = (
    st.one_of(
        st.text(alphabet=ALPHABET, min_size=1, max_size=10),
        st.text(alphabet=MULTI_LINE_ALPHABET, min_size=1, max_size=12),
    )
    .map(str.strip)
    .filter(bool)
)


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
def renderings(draw, deals, bad: frozenset[int] = frozenset()):
    """The same deals as bytes, in a dialect drawn at random; and the lines where the deals in `bad` start.

    The deals in `bad` have a total that is not a number.
    """
    order = draw(st.permutations(COLUMNS))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16", "utf-16-be-bom"]))
    empty_columns = draw(st.sampled_from([0, 0, 1, 2]))  # Excel's trailing delimiters
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    pad = draw(st.sampled_from(["", " ", "  "]))
    date_style = draw(st.sampled_from(["space", "T", "offset"]))
    blank_every = draw(st.sampled_from([0, 1, 3]))

    def date_text(value: datetime) -> str:
        if date_style == "offset":
            return (value + timedelta(hours=3)).isoformat().replace("+00:00", "+03:00")
        return value.isoformat(sep=" " if date_style == "space" else "T").removesuffix("+00:00")

    def line(cells: list) -> str:
        # csv quotes a value holding any character of its line terminator: give it both CR and LF.
        row = io.StringIO()
        csv.writer(row, delimiter=delimiter, lineterminator="\r\n", quoting=quoting).writerow(cells)
        return row.getvalue().removesuffix("\r\n") + delimiter * empty_columns + newline

    out = io.StringIO()
    out.write(line([draw(st.sampled_from([name, name.upper(), f" {name.title()} "])) for name in order]))
    bad_lines = []
    for number, (customer, item, total, quantity, date) in enumerate(deals):
        values = {"customer": customer, "item": item, "total": total, "quantity": quantity, "date": date_text(date)}
        if number in bad:
            values["total"] = f"{total}x"
            bad_lines.append(line_breaks(out.getvalue()) + 1)
        out.write(line([f"{pad}{values[name]}{pad}" for name in order]))
        if blank_every and number % blank_every == 0:
            out.write(newline)
    if encoding == "utf-16-be-bom":
        content = codecs.BOM_UTF16_BE + out.getvalue().encode("utf-16-be")
    else:
        content = out.getvalue().encode(encoding)
    # A cp1251 file that happens to be valid UTF-8 throughout is read as UTF-8 (as editors do).
    assume(encoding != "cp1251" or not is_utf8(content))
    return content, bad_lines


def line_breaks(text: str) -> int:
    """Line ends as an editor counts them: LF, CRLF and a lone CR."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not content.isascii()


COMPRESSIONS = {
    "none": lambda content: content,
    "gzip": gzip.compress,
    "gzip, members": lambda content: gzip.compress(content[:7]) + gzip.compress(content[7:]),
    "zstd": lambda content: zstandard.ZstdCompressor(write_checksum=True).compress(content),
    "zstd, frames": lambda content: b"".join(
        zstandard.ZstdCompressor(write_checksum=True).compress(content[start : start + 50])
        for start in range(0, len(content), 50)
    ),
}


@st.composite
def files(draw):
    deals = draw(datasets())
    content, _ = draw(renderings(deals))
    return deals, content, draw(st.sampled_from(sorted(COMPRESSIONS)))


@st.composite
def files_with_bad_totals(draw):
    deals = draw(datasets())
    bad = draw(st.sets(st.integers(min_value=0, max_value=len(deals) - 1), min_size=1))
    content, bad_lines = draw(renderings(deals, bad=frozenset(bad)))
    return content, bad_lines, draw(st.sampled_from(sorted(COMPRESSIONS)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=files())
def test_any_well_formed_file_gives_the_reference_report(client, case):
    deals, content, compression = case
    response = post_csv(client, COMPRESSIONS[compression](content))
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
    _deals, content, compression = case
    compress = COMPRESSIONS[compression]
    assert post_csv(client, compress(content)).status_code == 200
    before = report(client)
    before_compression = data.draw(st.booleans())
    damaged = compress(corrupt(content, data)) if before_compression else corrupt(compress(content), data)
    response = post_csv(client, damaged)
    assert response.status_code in (200, 400), response.content
    body = response.json()
    if response.status_code == 200:
        assert body["Status"] == "OK"
        assert all(set(entry) == {"username", "spent_money", "gems"} for entry in report(client))
    else:
        assert body["Status"] == "Error"
        assert LINE.search(body["Desc"]) or body["Desc"] in FILE_LEVEL or body["Desc"].startswith("this is "), body
        assert report(client) == before


LINE = re.compile(r"\bline \d+\b")
# Errors about the file as a whole, which have no line to name.
FILE_LEVEL = {messages.EMPTY_FILE, messages.NO_ROWS, messages.NOT_TEXT, messages.COMPRESSED_TWICE}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=files_with_bad_totals())
def test_every_bad_line_is_named_where_its_record_starts(client, case):
    """Multi-line values, blank lines, CR, CRLF, UTF-16 and compression before them change nothing."""
    content, bad_lines, compression = case
    response = post_csv(client, COMPRESSIONS[compression](content))
    assert response.status_code == 400, response.json()
    answer = response.json()
    assert [(error["line"], error["column"]) for error in answer["errors"]] == [(line, "total") for line in bad_lines]
    assert answer["Desc"].startswith(f'line {bad_lines[0]}, column "total": '), (answer, content)
    assert answer["error_count"] == len(bad_lines)
