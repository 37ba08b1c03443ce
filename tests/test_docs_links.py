"""Every link in README.md (and BENCHMARKS.md, the pointer beside it) leads somewhere in the
repository: a file or folder, and, for `#anchor`, a heading of that Markdown file (or of the page
itself). `make docs` checks the pages under docs/ (MkDocs' strict build), but these are outside.
An anchor must be the one both MkDocs and GitHub give the heading, so a link works on the built
site's pages and on GitHub alike."""

from pathlib import Path

import pytest

from tests.live_server import PROJECT
from tests.markdown import anchors, github_slug, links, mkdocs_slug

OUTSIDE_DOCS = [PROJECT / "README.md", PROJECT / "BENCHMARKS.md"]


def broken(page: Path, folder: Path | None = None) -> list[str]:
    """The page's links that lead nowhere in the repository, each with why; relative to `folder`
    (the page's own by default)."""
    wrong = []
    for target in links(page):
        if ":" in target.split("/")[0]:
            wrong.append(f"{target}: leads out of the repository")
            continue
        path, _, anchor = target.partition("#")
        file = ((folder or page.parent) / path).resolve() if path else page
        if path and (not file.exists() or PROJECT not in [file, *file.parents]):
            wrong.append(f"{target}: no such file in the repository")
        elif anchor and file.suffix != ".md":
            wrong.append(f"{target}: an anchor in a file that is not Markdown")
        elif anchor and not (anchor in anchors(file, mkdocs_slug) and anchor in anchors(file, github_slug)):
            wrong.append(f"{target}: {file.name} has no heading with that anchor")
    return wrong


@pytest.mark.parametrize("page", OUTSIDE_DOCS, ids=lambda p: p.name)
def test_every_link_in_the_readme_leads_to_a_file_or_heading_of_the_repository(page):
    assert links(page), f"{page.name} links into the docs"
    assert not broken(page), broken(page)


def test_a_link_to_a_missing_file_or_heading_is_found(tmp_path):
    page = tmp_path / "example.md"  # as if it were in docs/
    page.write_text(
        "# Example\n\n## A heading\n\n"
        "[ok](#a-heading) [ok](getting-started.md#which-postgresql) [ok](page.png) [ok](../Makefile)\n"
        "[gone](no-such-page.md) [gone](getting-started.md#which-postgres) [gone](#b-heading)\n"
        "[out](https://example.org/) `[not a link](nowhere.md)`\n"
    )
    assert broken(page, folder=PROJECT / "docs") == [
        "no-such-page.md: no such file in the repository",
        "getting-started.md#which-postgres: getting-started.md has no heading with that anchor",
        "#b-heading: example.md has no heading with that anchor",
        "https://example.org/: leads out of the repository",
    ]


def test_anchors_are_those_mkdocs_and_github_give_the_headings(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Health: `/healthz`\n\n## The db entrypoint's password step\n\n## Notes\n\n## Notes\n")
    assert anchors(page, mkdocs_slug) == {"health-healthz", "the-db-entrypoints-password-step", "notes", "notes_1"}
    assert anchors(page, github_slug) == {"health-healthz", "the-db-entrypoints-password-step", "notes", "notes-1"}
