"""Every file a person would call a deals.csv loads, whatever produced it, and gives the same report."""

import codecs

import pytest

from tests.support import SAMPLE_ANSWER, post_csv, report

pytestmark = pytest.mark.django_db

ROWS = [
    ("alice", "Рубин", "100", "1", "2018-12-14 08:29:52.506166"),
    ("bob", "Рубин", "50", "2", "2018-12-14 08:29:52"),
    ("alice", 'Big, "Star" Opal', "7", "1", "2018-12-14T08:29:52"),
    ("bob", 'Big, "Star" Opal', "3", "1", "2018-12-14T08:29:52+03:00"),
]
EXPECTED = [
    {"username": "alice", "spent_money": 107, "gems": ['Big, "Star" Opal', "Рубин"]},
    {"username": "bob", "spent_money": 53, "gems": ['Big, "Star" Opal', "Рубин"]},
]


def quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def render(
    *, delimiter=",", newline="\n", encoding="utf-8", bom=False, header=None, order=None, pad="", trailing=""
) -> bytes:
    columns = order or ["customer", "item", "total", "quantity", "date"]
    names = header or columns
    index = {"customer": 0, "item": 1, "total": 2, "quantity": 3, "date": 4}
    lines = [delimiter.join(names) + trailing]
    for row in ROWS:
        values = [row[index[name]] for name in columns]
        cells = [quote(v) if ('"' in v or delimiter in v) else f"{pad}{v}{pad}" for v in values]
        lines.append(delimiter.join(cells) + trailing)
    body = (newline.join(lines) + newline).encode(encoding)
    return (b"\xef\xbb\xbf" if bom else b"") + body


FORMATS = {
    "UTF-8 without BOM, LF": render(),
    "UTF-8 with BOM": render(bom=True),
    "CRLF line endings": render(newline="\r\n"),
    "Excel on a Russian Windows: cp1251, semicolons, CRLF": render(delimiter=";", newline="\r\n", encoding="cp1251"),
    "semicolons in UTF-8": render(delimiter=";"),
    "columns in another order": render(order=["date", "quantity", "total", "item", "customer"]),
    "header names in any case, with spaces": render(header=[" Customer", "ITEM ", " Total ", "Quantity", "DATE"]),
    "spaces around values": render(pad="  "),
    "blank lines everywhere and mixed endings": b"\n \r\n"
    + render(newline="\n").replace(b"\nalice", b"\r\n\n\t\nalice").replace(b"\nbob", b"\n\r\nbob")
    + b"\n\n",
    "no newline after the last line": render().rstrip(b"\n"),
    "Excel's Unicode Text: UTF-16LE with a BOM, tabs, CRLF": render(delimiter="\t", newline="\r\n")
    .decode()
    .encode("utf-16"),
    "UTF-16BE with a BOM": codecs.BOM_UTF16_BE + render(delimiter="\t").decode().encode("utf-16-be"),
    "UTF-16LE without a BOM": render(delimiter="\t").decode().encode("utf-16-le"),
    "UTF-32 with a BOM": render().decode().encode("utf-32"),
    "tabs": render(delimiter="\t"),
    "vertical bars": render(delimiter="|"),
    "classic Mac line ends (lone CR)": render(newline="\r", encoding="cp1251", delimiter=";"),
    "Excel's empty trailing column: a delimiter at the end of every line": render(
        delimiter=";", newline="\r\n", trailing=";"
    ),
    "two empty trailing columns, tab-separated": render(delimiter="\t", trailing="\t\t"),
    "an empty trailing column, a line without it": render(trailing=",").replace(b",\nbob", b"\nbob", 1),
}


@pytest.mark.parametrize("content", FORMATS.values(), ids=FORMATS.keys())
def test_the_file_loads_and_gives_the_report(client, content):
    response = post_csv(client, content)
    assert response.status_code == 200, response.json()
    assert response.json()["Status"] == "OK"
    assert response.json()["rows"] == 4
    assert report(client) == EXPECTED


def test_dates_with_an_offset_are_stored_in_utc_and_without_one_are_utc(client):
    from django.db import connection

    post_csv(client, render())
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_char(date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM deals ORDER BY 1")
        dates = [value for (value,) in cursor.fetchall()]
    assert dates == [
        "2018-12-14 05:29:52.000000",
        "2018-12-14 08:29:52.000000",
        "2018-12-14 08:29:52.000000",
        "2018-12-14 08:29:52.506166",
    ]


def test_values_are_stored_without_surrounding_spaces(client):
    from django.db import connection

    post_csv(client, render(pad="  "))
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT customer FROM deals ORDER BY 1")
        assert [value for (value,) in cursor.fetchall()] == ["alice", "bob"]


def test_the_sample_converted_to_cp1251_with_semicolons_gives_the_contracts_answer(client, sample_csv):
    text = sample_csv.decode("utf-8-sig").replace(",", ";").replace("\n", "\r\n")
    assert post_csv(client, text.encode("cp1251")).status_code == 200
    assert report(client) == SAMPLE_ANSWER


DECLARED = {
    "cp1251 whose first megabyte is ASCII": (
        "windows-1251",
        b"customer,item,total,quantity,date\n"
        + b"ann,Opal,1,1,2018-12-14\n" * 50_000
        + "bob,Рубин,2,1,2018-12-14\n".encode("cp1251"),
    ),
    "KOI8-R, which COPY converts itself": ("koi8-r", render().decode().encode("koi8-r")),
    "Mac Cyrillic, which Python converts": ("mac-cyrillic", render(delimiter=";").decode().encode("mac-cyrillic")),
    "UTF-16 declared, no BOM": ("utf-16", render(delimiter="\t").decode().encode("utf-16-le")),
    "UTF-8 declared with a BOM": ("UTF-8", render(bom=True)),
}


@pytest.mark.parametrize(("charset", "content"), DECLARED.values(), ids=DECLARED.keys())
def test_a_declared_charset_wins_over_detection(client, charset, content):
    response = post_csv(client, content, content_type=f"text/csv; charset={charset}")
    assert response.status_code == 200, response.json()
    rows = response.json()["rows"]
    if rows == 4:
        assert report(client) == EXPECTED
    else:
        assert report(client)[0] == {"username": "ann", "spent_money": 50_000, "gems": []}


MULTI_LINE = {
    "LF and a blank line": "Big\n\nRuby",
    "CRLF and a blank CRLF line": "Big\r\n\r\nRuby",
    "a lone CR": "Big\rRuby",
    "spaces-only lines, a quote and a delimiter": 'Big\n  \n\t\n"Star", Opal\n',
    "only line breaks": "\n\n",
}


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("item", MULTI_LINE.values(), ids=MULTI_LINE.keys())
def test_a_quoted_value_spanning_lines_is_stored_exactly(client, item, newline):
    from django.db import connection

    lines = ["customer,item,total,quantity,date", "ann,Opal,1,1,2018-12-14", "", f"bob,{quote(item)},2,1,2018-12-14"]
    lines += ["", "cid,Opal,3,1,2018-12-14"]
    response = post_csv(client, (newline.join(lines) + newline).encode())
    assert response.status_code == 200, response.json()
    assert response.json()["rows"] == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT item FROM deals WHERE customer = 'bob'")
        assert cursor.fetchone()[0] == item.strip(" ")


def test_multi_line_values_are_stored_exactly_over_many_chunks(client):
    from django.db import connection

    rows = "".join(f'c{n % 7},"Big\n\tRuby {n}",1,1,2018-12-14\n' for n in range(100_000))
    response = post_csv(client, ("customer,item,total,quantity,date\n" + rows).encode())
    assert response.status_code == 200, response.json()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM deals WHERE item ~ '^Big\\n\\tRuby [0-9]+$'")
        assert cursor.fetchone()[0] == 100_000
