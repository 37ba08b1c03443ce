"""The bar chart of spent_money as numbers for an inline SVG: computed here, drawn by the template.

Horizontal bars, one per customer in the report's order, so long usernames fit as labels; widths
are proportional to spent_money, the largest filling the plot. Drawn on the server, so the chart
shows with JavaScript off and a screen reader gets its title and description.
"""

from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 170  # room for a username on the left
VALUE_WIDTH = 90  # room for the amount right of the longest bar
BAR_HEIGHT = 28
GAP = 12


@dataclass(frozen=True)
class Bar:
    username: str
    spent_money: int
    x: int
    y: int
    width: float
    label_x: int  # where the username ends, left of the bar
    label_y: float  # baseline of the texts, centred on the bar
    value_x: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bar_height: int
    bars: list[Bar]


def bar_chart(entries: list) -> Chart:
    """One bar per entry (anything with `username` and `spent_money`), largest first as given."""
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    largest = max((entry.spent_money for entry in entries), default=0)
    bars = []
    for index, entry in enumerate(entries):
        y = GAP + index * (BAR_HEIGHT + GAP)
        width = round(plot * entry.spent_money / largest, 1) if largest else 0
        bars.append(
            Bar(
                username=entry.username,
                spent_money=entry.spent_money,
                x=LABEL_WIDTH,
                y=y,
                width=width,
                label_x=LABEL_WIDTH - 8,
                label_y=y + BAR_HEIGHT * 0.68,
                value_x=LABEL_WIDTH + width + 8,
            )
        )
    return Chart(width=WIDTH, height=GAP + len(entries) * (BAR_HEIGHT + GAP), bar_height=BAR_HEIGHT, bars=bars)
