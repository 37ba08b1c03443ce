"""Every bad upload gets the contract's error shape, the right code, a Desc naming line, column and
value, and changes nothing: the previous report and the set of tables stay exactly as they were."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.support import HEADER, SAMPLE_ANSWER, post_csv, staging_tables

pytestmark = pytest.mark.django_db

H = (HEADER + "\n").encode()
GOOD = b"ann,Opal,1,1,2018-12-14 08:29:52\n"
EXPECTED = "customer, item, total, quantity, date"

BAD_FILES = [
    ("total not a number", H + b"bob,Ruby,12a,1,2018-01-01\n", 'line 2, column "total": "12a" is not a whole number'),
    (
        "total a fraction",
        H + GOOD + b"bob,Ruby,12.5,1,2018-01-01\n",
        'line 3, column "total": "12.5" is not a whole number',
    ),
    (
        "total negative",
        H + b"bob,Ruby,-5,1,2018-01-01\n",
        'line 2, column "total": "-5" is negative; totals must be 0 or more',
    ),
    (
        "total too large",
        H + b"bob,Ruby,99999999999999999999,1,2018-01-01\n",
        'line 2, column "total": "99999999999999999999" is too large',
    ),
    (
        "quantity zero",
        H + b"bob,Ruby,1,0,2018-01-01\n",
        'line 2, column "quantity": "0" is not a positive whole number',
    ),
    (
        "quantity negative",
        H + b"bob,Ruby,1,-2,2018-01-01\n",
        'line 2, column "quantity": "-2" is not a positive whole number',
    ),
    (
        "quantity not a number",
        H + b"bob,Ruby,1,two,2018-01-01\n",
        'line 2, column "quantity": "two" is not a whole number',
    ),
    ("customer empty", H + b",Ruby,1,1,2018-01-01\n", 'line 2, column "customer": the value is empty'),
    ("customer blank", H + b"   ,Ruby,1,1,2018-01-01\n", 'line 2, column "customer": the value is empty'),
    ("item empty", H + b'bob,"",1,1,2018-01-01\n', 'line 2, column "item": the value is empty'),
    ("total empty", H + b"bob,Ruby,,1,2018-01-01\n", 'line 2, column "total": the value is empty'),
    (
        "item too long",
        H + b"bob," + b"x" * 256 + b",1,1,2018-01-01\n",
        'line 2, column "item": "' + "x" * 40 + '..." is longer than 255 characters',
    ),
    (
        "customer too long",
        H + GOOD + b"y" * 300 + b",Ruby,1,1,2018-01-01\n",
        'line 3, column "customer": "' + "y" * 40 + '..." is longer than 255 characters',
    ),
    (
        "impossible date",
        H + b"bob,Ruby,1,1,2018-02-30 10:00:00\n",
        'line 2, column "date": "2018-02-30 10:00:00" is not a valid date and time',
    ),
    (
        "not a date",
        H + b"bob,Ruby,1,1,soon\n",
        'line 2, column "date": "soon" is not a date and time (expected ISO 8601, like 2018-12-14 08:29:52)',
    ),
    (
        "infinite date",
        H + b"bob,Ruby,1,1,infinity\n",
        'line 2, column "date": "infinity" is not a date and time (expected ISO 8601, like 2018-12-14 08:29:52)',
    ),
    ("short line", H + GOOD + b"bob,Ruby,1\n", f"line 3 has too few values (expected 5: {EXPECTED})"),
    ("long line", H + b"bob,Ruby,1,1,2018-01-01,extra\n", f"line 2 has too many values (expected 5: {EXPECTED})"),
    (
        "unterminated quote",
        H + GOOD + b'bob,"Ruby,1,1,2018-01-01\n' + GOOD,
        "line 3 opens a quoted value that is never closed",
    ),
    (
        "NUL byte",
        H + GOOD + b"b\x00b,Ruby,1,1,2018-01-01\n",
        "line 3 contains a NUL byte (0x00); this is not a CSV text file",
    ),
    (
        "invalid UTF-8 in a UTF-8 file",
        H + "ann,Рубин,1,1,2018-01-01\n".encode() + GOOD + b"bob,R\xffby,1,1,2018-01-01\n",
        "line 4 is not valid UTF-8 text (bytes 0xff); save the file as UTF-8, or declare its encoding in the part's "
        "Content-Type, as curl -F 'deals=@deals.csv;type=text/csv;charset=windows-1251' does",
    ),
    (
        "an image renamed to .csv",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        'this is an image, not a CSV file; save the data as CSV ("CSV UTF-8" in Excel, "Text CSV" in LibreOffice) '
        "and upload that",
    ),
    ("empty file", b"", "the file is empty; it needs a header line and at least one deal"),
    ("only blank lines", b"\n  \r\n\n", "the file is empty; it needs a header line and at least one deal"),
    ("header only", H, "the file has a header but no deals"),
    ("header and blank lines", H + b"\n \n\r\n", "the file has a header but no deals"),
    (
        "a column missing",
        b"customer,item,total,date\n" + b"bob,Ruby,1,2018-01-01\n",
        f"line 1: the header must name the columns {EXPECTED} (in any order); missing: quantity",
    ),
    (
        "an unknown column",
        b"customer,item,price,quantity,date\n" + GOOD,
        f'line 1: the header must name the columns {EXPECTED} (in any order); missing: total; unexpected: "price" '
        "(rename it to total if that is what it holds, or delete it)",
    ),
    (
        "a repeated column",
        b"customer,item,total,total,quantity,date\n" + GOOD,
        f"line 1: the header must name the columns {EXPECTED} (in any order); repeated: total",
    ),
    (
        "no header",
        GOOD + GOOD,
        f"line 1: the header must name the columns {EXPECTED} (in any order); it names none of them "
        '("ann", "opal", "1", "1", "2018-12-14 08:29:52"): add that header as the first line',
    ),
    (
        "error after a quoted value spanning lines names the physical line",
        H + b'ann,"Big\n\nRuby",1,1,2018-01-01\n' + GOOD + b"bob,Ruby,x,1,2018-01-01\n",
        'line 6, column "total": "x" is not a whole number',
    ),
    (
        "error in a record spanning lines names the line where it starts",
        H + GOOD + b'ann,"Big\r\n\r\nRuby",x,1,2018-01-01\r\n',
        'line 3, column "total": "x" is not a whole number',
    ),
    (
        "error after a quoted value spanning lone-CR lines",
        H.replace(b"\n", b"\r") + b'ann,"Big\r\rRuby",1,1,2018-01-01\r\r' + b"bob,Ruby,1,0,2018-01-01\r",
        'line 6, column "quantity": "0" is not a positive whole number',
    ),
    (
        "error after a first record with CRLF inside quotes",
        H + b'ann,"Big\r\n\r\nRuby",1,1,2018-01-01\r\n' + b"bob,Ruby,1,1,never\r\n",
        'line 5, column "date": "never" is not a date and time (expected ISO 8601, like 2018-12-14 08:29:52)',
    ),
    (
        "too few values after a value spanning lines",
        H + b'ann,"a\nb\nc",1,1,2018-01-01\n\n' + b"bob,Ruby,1\n",
        f"line 6 has too few values (expected 5: {EXPECTED})",
    ),
    (
        "unterminated quote after a value spanning lines names the line its record starts",
        H + b'ann,"Big\nRuby",1,1,2018-01-01\n' + b'bob,Opal,1,1,"2018\n' + GOOD,
        "line 4 opens a quoted value that is never closed",
    ),
    (
        "unterminated quote in a record that started on an earlier line",
        H + b'ann,"Big\nRuby","1\n' + GOOD,
        "line 2 opens a quoted value that is never closed",
    ),
    (
        "classic Mac line ends",
        H.replace(b"\n", b"\r") + GOOD.replace(b"\n", b"\r") + b"bob,Ruby,1,1,someday\r",
        'line 3, column "date": "someday" is not a date and time (expected ISO 8601, like 2018-12-14 08:29:52)',
    ),
    (
        "a value in a column the header leaves empty",
        H.replace(b"\n", b",\n") + GOOD.replace(b"\n", b",\n") + b"bob,Ruby,1,1,2018-01-01,x\n",
        'line 3 has a value after column "date", in a column the header leaves unnamed; '
        "the header's empty trailing columns must be empty in every line",
    ),
    (
        "UTF-16 with a lone surrogate",
        "\ufeffcustomer\titem\ttotal\tquantity\tdate\nann\tOpal\t1\t1\t2018-01-01\n".encode("utf-16-le")
        + "bob\tR".encode("utf-16-le")
        + b"\x00\xd8"
        + "by\t1\t1\t2018-01-01\n".encode("utf-16-le"),
        "line 3 is not valid UTF-16LE text (bytes 0x00 0xd8); save the file as UTF-8, or declare its encoding in the "
        "part's Content-Type, as curl -F 'deals=@deals.csv;type=text/csv;charset=windows-1251' does",
    ),
    (
        "UTF-16 cut in the middle of a character",
        "\ufeffcustomer,item,total,quantity,date\nann,Opal,1,1,2018-01-01\n".encode("utf-16-le") + b"b",
        "line 3 is not valid UTF-16LE text (bytes 0x62); save the file as UTF-8, or declare its encoding in the "
        "part's Content-Type, as curl -F 'deals=@deals.csv;type=text/csv;charset=windows-1251' does",
    ),
    (
        "error after blank lines names the physical line",
        b"\n" + H + b"\n" + GOOD + b"\r\n  \n" + b"bob,Ruby,x,1,2018-01-01\n",
        'line 7, column "total": "x" is not a whole number',
    ),
]


@pytest.fixture
def loaded(client, sample_csv):
    assert post_csv(client, sample_csv).status_code == 200
    return staging_tables()


def assert_unchanged(client, tables_before):
    assert client.get("/api/deals/").json() == {"response": SAMPLE_ANSWER}
    assert staging_tables() == tables_before


@pytest.mark.parametrize(("content", "desc"), [case[1:] for case in BAD_FILES], ids=[case[0] for case in BAD_FILES])
def test_a_bad_file_is_refused_with_line_column_and_value(client, loaded, content, desc):
    response = post_csv(client, content)
    assert response.status_code == 400
    answer = response.json()
    assert (answer["Status"], answer["Desc"]) == ("Error", desc)
    if "errors" in answer:  # a problem of one line (the header being line 1): the list of one
        assert [error["message"] for error in answer["errors"]] == [desc]
        assert (answer["error_count"], answer["error_count_exact"]) == (1, True)
    assert_unchanged(client, loaded)


def test_a_request_without_the_deals_field_is_refused(client, loaded):
    response = client.post("/api/deals/", {"note": "hello"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["Desc"].startswith('no file in the form field "deals"')
    assert_unchanged(client, loaded)


def test_a_file_in_a_field_of_another_name_is_refused(client, loaded, sample_csv):
    upload = SimpleUploadedFile("deals.csv", sample_csv, "text/csv")
    response = client.post("/api/deals/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["Desc"].startswith('no file in the form field "deals"')
    assert_unchanged(client, loaded)


def test_two_files_are_refused(client, loaded, sample_csv):
    files = [SimpleUploadedFile(f"deals{n}.csv", sample_csv, "text/csv") for n in (1, 2)]
    response = client.post("/api/deals/", {"deals": files}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {
        "Status": "Error",
        "Desc": 'send exactly one file in the form field "deals"; this request has several',
    }
    assert_unchanged(client, loaded)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"deals": "x"}', "application/json"),
        (b"customer,item", "text/csv"),
        (b"deals=x", "application/x-www-form-urlencoded"),
    ],
)
def test_a_post_body_that_is_not_a_form_is_read_as_the_file_itself(client, loaded, body, content_type):
    response = client.generic("POST", "/api/deals/", body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["Desc"].startswith(
        "line 1: the header must name the columns customer, item, total, quantity, date (in any order); "
    )
    assert_unchanged(client, loaded)


def test_a_broken_multipart_body_is_refused(client, loaded):
    response = client.generic("POST", "/api/deals/", b"--x\r\nnonsense", content_type="multipart/form-data; boundary=x")
    assert response.status_code == 400
    assert response.json()["Status"] == "Error"
    assert_unchanged(client, loaded)


def test_a_declared_length_over_the_limit_is_refused_unread_with_413(client, loaded, settings, sample_csv):
    settings.DEALS_MAX_UPLOAD_BYTES = 1000
    response = post_csv(client, sample_csv)
    assert response.status_code == 413
    assert response.json() == {
        "Status": "Error",
        "Desc": "the file is larger than the limit of 1000 bytes (DEALS_MAX_UPLOAD_BYTES)",
    }
    assert_unchanged(client, loaded)


def test_errors_never_use_drfs_detail_shape(client):
    response = client.delete("/api/deals/")
    assert response.status_code == 405
    assert set(response.json()) == {"Status", "Desc"}


def test_an_unknown_declared_charset_is_refused(client, loaded):
    response = post_csv(client, H + GOOD, content_type="text/csv; charset=klingon")
    assert response.status_code == 400
    assert response.json()["Desc"] == (
        'the declared charset "klingon" is not a known encoding (try utf-8, windows-1251 or utf-16); declare its '
        "encoding in the part's Content-Type, as curl -F 'deals=@deals.csv;type=text/csv;charset=windows-1251' does"
    )
    assert_unchanged(client, loaded)


def test_a_file_that_is_not_in_its_declared_charset_is_refused_naming_the_line(client, loaded):
    content = H + GOOD + "bob,Рубин,1,1,2018-01-01\n".encode("cp1251")
    response = post_csv(client, content, content_type="text/csv; charset=utf-8")
    assert response.status_code == 400
    assert response.json()["Desc"] == (
        "line 3 is not valid utf-8 text (bytes 0xd0 0xf3), the charset the upload declared; correct it"
    )
    assert_unchanged(client, loaded)


MULTI_LINE_ROWS = "".join(f'c{n},"Big\nRuby {n}",1,1,2018-01-01\n' for n in range(100_000)).encode()  # 4 MB


@pytest.mark.parametrize(
    ("tail", "desc"),
    [
        (
            b'bob,"Big\nRuby",1,1,soon\n' + GOOD,
            'line 200002, column "date": "soon" is not a date and time (expected ISO 8601, like 2018-12-14 08:29:52)',
        ),
        (b'bob,"Big\nRuby",1,1,"2018-01-01\n' + GOOD * 10, "line 200002 opens a quoted value that is never closed"),
    ],
    ids=["bad value", "unclosed quote"],
)
def test_line_numbers_stay_right_over_megabytes_of_multi_line_values(client, loaded, tail, desc):
    """The bad record itself spans two lines, several chunks into the file."""
    response = post_csv(client, H + MULTI_LINE_ROWS + tail)
    answer = response.json()
    assert (answer["Desc"], [error["message"] for error in answer["errors"]]) == (desc, [desc])
    assert_unchanged(client, loaded)
