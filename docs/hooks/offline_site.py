"""MkDocs hook: the built site loads nothing from another host, so it works offline (served by
`make docs-serve`, or opened from site/ on disk) and tells no third party who reads it.

Material for MkDocs fetches its fonts from a font CDN unless `theme.font: false`, and a plugin or a
page could add a script, a stylesheet or an image from elsewhere; the build fails if any page or
stylesheet names another host (strict mode turns the error into a failed `make docs`). The
reader's own machine is no other host: the pages link to the service's schema and Swagger UI as
`make run` and `docker compose up` serve them on localhost, and `make docs-serve` gives every page a
canonical link to itself on 127.0.0.1.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

from mkdocs.exceptions import PluginError

# Attributes whose value the browser fetches or navigates to.
URL_ATTRIBUTES = {"src", "href", "srcset", "poster", "data", "action", "formaction", "cite"}
OTHER_HOST = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
OWN_MACHINE = re.compile(r"^\s*https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(/|$)", re.IGNORECASE)
CSS_REFERENCE = re.compile(r"""(?:url\(\s*|@import\s+)['"]?((?:[a-z][a-z0-9+.-]*:)?//[^'")\s]+)""", re.IGNORECASE)


def elsewhere(url: str) -> bool:
    return bool(OTHER_HOST.match(url)) and not OWN_MACHINE.match(url)


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value:
                candidates = value.split(",") if name == "srcset" else [value]
                self.found += [f"<{tag} {name}={v.strip()}>" for v in candidates if elsewhere(v)]


def other_hosts(site_dir: Path) -> list[str]:
    """Every reference to another host in the built HTML and CSS, as `file: reference`."""
    found = []
    for path in sorted(site_dir.rglob("*.html")):
        parser = _References()
        parser.feed(path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(site_dir)}: {ref}" for ref in parser.found]
    for path in sorted(site_dir.rglob("*.css")):
        found += [f"{path.relative_to(site_dir)}: {ref}" for ref in CSS_REFERENCE.findall(path.read_text("utf-8"))]
    return found


def on_post_build(config, **kwargs) -> None:
    found = other_hosts(Path(config["site_dir"]))
    if found:
        raise PluginError("the site refers to other hosts (it must work offline):\n  " + "\n  ".join(found))
