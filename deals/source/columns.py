"""The columns of a deals.csv, in the contract's order: the one list the header check and the messages use."""

COLUMNS = ("customer", "item", "total", "quantity", "date")
