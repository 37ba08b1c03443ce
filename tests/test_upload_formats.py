"""Every file a person would call a deals.csv loads, whatever produced it, and gives the same report."""

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


def render(*, delimiter=",", newline="\n", encoding="utf-8", bom=False, header=None, order=None, pad="") -> bytes:
    columns = order or ["customer", "item", "total", "quantity", "date"]
    names = header or columns
    index = {"customer": 0, "item": 1, "total": 2, "quantity": 3, "date": 4}
    lines = [delimiter.join(names)]
    for row in ROWS:
        values = [row[index[name]] for name in columns]
        cells = [quote(v) if ('"' in v or delimiter in v) else f"{pad}{v}{pad}" for v in values]
        lines.append(delimiter.join(cells))
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
