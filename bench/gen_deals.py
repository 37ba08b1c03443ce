"""Write a synthetic deals.csv: `python bench/gen_deals.py ROWS OUT`.

Deterministic (same arguments, same bytes), shaped like tests/data/deals.csv: UTF-8 with a BOM,
LF endings, the same header, the sample's 25 gem names, ~10,000 customers, dates like
`2018-12-14 08:29:52.506166`. About 55 bytes a row, so 10M rows is ~550 MB.

Fast enough for 10M rows in a few seconds of Python: a block of 1<<16 rows is drawn once per
block with `random.choices` and `map` over C-level string formatting; no per-row Python loop body.
"""

import argparse
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "data" / "deals.csv"
HEADER = "customer,item,total,quantity,date"
CUSTOMERS = 10_000
BLOCK_ROWS = 1 << 16
SEED = 20181214
DAYS = 365
START = datetime(2018, 12, 14)


def sample_gems() -> list[str]:
    """The 25 distinct gem names of the sample, in first-seen order (so the output is stable)."""
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()[1:]
    return list(dict.fromkeys(line.split(",")[1] for line in lines if line))


def customer_names(rng: random.Random) -> list[str]:
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "bel", "dar", "gor", "pix", "qua", "wen"]
    names = set()
    while len(names) < CUSTOMERS:
        name = "".join(rng.choices(syllables, k=rng.randint(2, 4))) + str(rng.randint(0, 999))
        names.add(name)
    return sorted(names)


def write_deals(rows: int, out) -> None:
    rng = random.Random(SEED)
    customers = customer_names(rng)
    # A few big spenders so the top five is stable and meaningful, like the sample's.
    customer_weights = [50 if i % 2000 == 0 else 1 for i in range(len(customers))]
    gems = sample_gems()
    days = [(START + timedelta(days=d)).strftime("%Y-%m-%d") for d in range(DAYS)]
    out.write(("\ufeff" + HEADER + "\n").encode())
    left = rows
    while left > 0:
        n = min(BLOCK_ROWS, left)
        who = rng.choices(customers, weights=customer_weights, k=n)
        what = rng.choices(gems, k=n)
        total = rng.choices(range(1, 15_000), k=n)
        quantity = rng.choices(range(1, 11), k=n)
        day = rng.choices(days, k=n)
        second = rng.choices(range(86_400), k=n)
        micro = rng.choices(range(1_000_000), k=n)
        lines = map(
            "%s,%s,%d,%d,%s %02d:%02d:%02d.%06d\n".__mod__,
            zip(who, what, total, quantity, day, *_hms(second), micro, strict=True),
        )
        out.write("".join(lines).encode())
        left -= n


def _hms(seconds: list[int]) -> tuple[list[int], list[int], list[int]]:
    return [s // 3600 for s in seconds], [s // 60 % 60 for s in seconds], [s % 60 for s in seconds]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("out", help="output path, or - for stdout")
    args = parser.parse_args()
    if args.out == "-":
        write_deals(args.rows, sys.stdout.buffer)
    else:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        with open(args.out, "wb") as out:
            write_deals(args.rows, out)


if __name__ == "__main__":
    main()
