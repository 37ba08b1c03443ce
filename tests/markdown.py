"""What the documentation tests read of the Markdown pages: code blocks, table rows, links and the
anchors that headings get. No Markdown library: the pages use a small, regular part of Markdown,
and the tests must not depend on the documentation's own build."""

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
INLINE_LINK_TEXT = re.compile(r"\[([^\]]*)\]\([^)]*\)")


@dataclass
class Block:
    language: str
    text: str


def code_blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a page, with their language (`sh`, `console`, or empty)."""
    return [Block(language, text) for language, text in FENCE.findall(path.read_text(encoding="utf-8"))]


def without_code(text: str) -> str:
    """The page without its fenced blocks: a `#` line inside a shell block is no heading."""
    return FENCE.sub("", text)


def table_rows(path: Path) -> list[list[str]]:
    """Every row of every table of a page, as its cells (`\\|` inside a cell is not a border)."""
    rows = []
    for line in without_code(path.read_text(encoding="utf-8")).splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|[-:| ]+\|", line):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            rows.append([cell.strip() for cell in cells])
    return rows


def links(path: Path) -> list[str]:
    """The targets of the page's links and images, outside code blocks and code spans."""
    text = re.sub(r"`[^`]*`", "", without_code(path.read_text(encoding="utf-8")))
    return [target for _, target in LINK.findall(text)]


def _heading_text(heading: str) -> str:
    return INLINE_LINK_TEXT.sub(r"\1", heading)


def mkdocs_slug(heading: str) -> str:
    """The anchor MkDocs gives a heading (Python-Markdown's toc.slugify)."""
    value = unicodedata.normalize("NFKD", _heading_text(heading)).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return re.sub(r"[-\s]+", "-", value)


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading when it shows the file: letters, digits, `-` and `_` kept,
    each space a hyphen."""
    value = "".join(c for c in _heading_text(heading).lower() if c.isalnum() or c in " -_")
    return value.replace(" ", "-")


def anchors(path: Path, slug) -> set[str]:
    """The anchors of a page's headings under one slug rule, repeats numbered as that renderer does."""
    found: set[str] = set()
    separator = "_" if slug is mkdocs_slug else "-"
    for _, heading in HEADING.findall(without_code(path.read_text(encoding="utf-8"))):
        base = anchor = slug(heading)
        count = 0
        while anchor in found:
            count += 1
            anchor = f"{base}{separator}{count}"
        found.add(anchor)
    return found
