"""The contract's report computed the obvious way in Python, to check the SQL against."""

import random
from collections import defaultdict


def reference_report(deals: list[tuple]) -> list[dict]:
    """Top five by spend (ties by name in code-point order), gems bought by two or more of them."""
    spent: dict[str, int] = defaultdict(int)
    bought: dict[str, set[str]] = defaultdict(set)
    for customer, item, total, *_ in deals:
        spent[customer] += total
        bought[customer].add(item)
    top = sorted(spent, key=lambda customer: (-spent[customer], customer))[:5]
    return [
        {
            "username": customer,
            "spent_money": spent[customer],
            "gems": sorted(gem for gem in bought[customer] if sum(gem in bought[other] for other in top) >= 2),
        }
        for customer in top
    ]


def random_deals(seed: int, rows: int, customers: int = 20) -> list[tuple]:
    rng = random.Random(seed)
    gems = ["Рубин", "Сапфир", "Изумруд", "Opal", "Big, Jade", "Танзанит"]
    return [
        (f"user{rng.randrange(customers)}", rng.choice(gems), rng.randrange(10_000), rng.randrange(1, 9), "2018-12-14")
        for _ in range(rows)
    ]


def as_csv(deals: list[tuple]) -> bytes:
    lines = ["customer,item,total,quantity,date"]
    lines += [f'{c},"{i}",{t},{q},{d}' for c, i, t, q, d in deals]
    return ("\n".join(lines) + "\n").encode()
