"""The header mistakes people make every day, each named with what to do: pandas' index column (refused,
asking for index=False), any other extra column, and headers that differ only in case or spaces (taken)."""

import pytest

from deals import messages
from tests.support import post_csv, report

pytestmark = pytest.mark.django_db

ROWS = ["ann,Opal,5,1,2018-12-14 08:29:52", "bob,Ruby,7,2,2018-12-14 08:29:52"]
EXPECTED = "customer, item, total, quantity, date"


def with_header(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def indexed(rows: list[str]) -> list[str]:
    return [f"{number},{row}" for number, row in enumerate(rows)]


@pytest.mark.parametrize("index_name", ["", "Unnamed: 0"])
def test_a_pandas_index_column_is_refused_asking_for_index_false(client, index_name):
    response = post_csv(client, with_header(f"{index_name},customer,item,total,quantity,date", indexed(ROWS)))
    assert response.status_code == 400
    desc = response.json()["Desc"]
    assert desc == messages.pandas_index(index_name.lower())
    assert "index=False" in desc and desc.startswith("line 1: ")
    assert response.json()["errors"][0]["line"] == 1


def test_an_unnamed_first_column_that_is_no_index_is_named_as_such(client):
    response = post_csv(client, with_header(",customer,item,total,quantity,date", [f"x,{row}" for row in ROWS]))
    assert response.json()["Desc"] == messages.unnamed_first_column("")
    assert "delete the first column" in response.json()["Desc"]


def test_an_extra_named_column_is_named_with_what_to_do(client):
    response = post_csv(client, with_header("customer,item,total,quantity,date,notes", [f"{row},hi" for row in ROWS]))
    assert response.json()["Desc"] == (
        f"line 1: the header must name the columns {EXPECTED} (in any order); "
        'unexpected: "notes" (delete that column: the service stores only these five)'
    )


def test_a_misnamed_column_is_named_with_the_missing_one(client):
    response = post_csv(client, with_header("customer,gem,total,quantity,date", ROWS))
    assert response.json()["Desc"] == (
        f"line 1: the header must name the columns {EXPECTED} (in any order); missing: item; "
        'unexpected: "gem" (rename it to item if that is what it holds, or delete it)'
    )


@pytest.mark.parametrize(
    "header",
    [
        "CUSTOMER,Item,ToTaL,QUANTITY,Date",
        " customer , item ,\ttotal\t,quantity ,  date",
        "\u00a0Customer\u00a0,ITEM,Total,Quantity,Date\u3000",  # no-break and ideographic spaces
        '"Customer","Item","Total","Quantity","Date"',
        "date,quantity,total,item,customer",
    ],
)
def test_a_header_that_matches_after_strip_and_lower_is_taken(client, header):
    names = [name.strip().strip('"').strip().lower() for name in header.split(",")]
    rows = [
        ",".join(
            dict(zip(["customer", "item", "total", "quantity", "date"], row.split(","), strict=True))[name]
            for name in names
        )
        for row in ROWS
    ]
    response = post_csv(client, with_header(header, rows))
    assert response.status_code == 200, response.json()
    assert [(entry["username"], entry["spent_money"]) for entry in report(client)] == [("bob", 7), ("ann", 5)]
