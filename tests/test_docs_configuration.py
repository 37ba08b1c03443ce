"""docs/configuration.md lists every environment variable the project reads, once, with the default
the code has: a variable added to the settings (or to gunicorn.conf.py, an entrypoint, the compose
file, the Makefile...) without a line there fails here, and so does a line whose variable nothing
reads any more.

What is read for this, as the page says: the Python of core/, deals/, gunicorn.conf.py, manage.py,
tests/ and bench/ (os.environ.get, os.getenv, os.environ[...], os.environ.setdefault, `in
os.environ`, and the settings' env_int/env_bool); the shell scripts under docker/ and the nginx
template (every $NAME and ${NAME}); the ${NAME} substitutions of docker-compose.yml; every NAME= of
.env.example; the Makefile's ?= variables, its ifdefs, the $(NAME)s it never assigns and the
$${NAME}s of its recipes. Not read: the Dockerfile (it sets variables for Python, pip and the image)
and .ci/run (it sets DATABASE_URL for its two runs); PATH is the system's.
"""

import ast
import re
from collections.abc import Iterable
from pathlib import Path

from tests.live_server import PROJECT
from tests.markdown import table_rows

PAGE = PROJECT / "docs" / "configuration.md"
PYTHON_SOURCES = ["core", "deals", "gunicorn.conf.py", "manage.py", "tests", "bench"]
# Whose defaults the page must give as the code has them: the service's own settings.
DEFAULTS_FROM = ["core/settings.py", "gunicorn.conf.py"]
NOT_THE_PROJECTS = {"PATH"}
NAME = r"[A-Z][A-Z0-9_]*"
ENVIRONMENT_CALLS = {"os.environ.get", "os.getenv", "os.environ.setdefault", "env_int", "env_bool"}


def python_reads(source: str) -> dict[str, list[ast.expr | None]]:
    """Each variable a Python module reads, with the default expression of each read (None: none)."""
    found: dict[str, list[ast.expr | None]] = {}
    for node in ast.walk(ast.parse(source)):
        name, default = None, None
        if isinstance(node, ast.Call) and ast.unparse(node.func) in ENVIRONMENT_CALLS and node.args:
            if isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                name = node.args[0].value
                default = node.args[1] if len(node.args) > 1 else None
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            if isinstance(node.slice, ast.Constant):
                name = node.slice.value
        elif (
            isinstance(node, ast.Compare)
            and ast.unparse(node.comparators[-1]) == "os.environ"
            and isinstance(node.left, ast.Constant)
        ):
            name = node.left.value
        if name:
            found.setdefault(name, []).append(default)
    return found


def shell_reads(text: str) -> set[str]:
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return set(re.findall(rf"\$\{{?({NAME})", "\n".join(lines)))


def compose_reads(text: str) -> set[str]:
    return set(re.findall(rf"(?<!\$)\$\{{({NAME})", text))


def env_example_reads(text: str) -> set[str]:
    return set(re.findall(rf"^#?\s*({NAME})=", text, re.MULTILINE))


def makefile_reads(text: str) -> set[str]:
    """Variables a user may set for make: `?=` ones, `ifdef`s, `$(NAME)`s the Makefile never
    assigns (make takes them from the environment), and `$${NAME}`s its recipes' shells read."""
    optional = set(re.findall(rf"^({NAME})\s*\?=", text, re.MULTILINE))
    assigned = set(re.findall(rf"^({NAME})\s*:?=", text, re.MULTILINE)) - optional
    used = set(re.findall(rf"\$\(({NAME})\)", text)) | set(re.findall(rf"^ifn?def\s+({NAME})", text, re.MULTILINE))
    return optional | (used - assigned - {"MAKEFILE_LIST"}) | set(re.findall(rf"\$\$\{{({NAME})", text))


def python_files() -> Iterable[Path]:
    for name in PYTHON_SOURCES:
        path = PROJECT / name
        yield from [path] if path.is_file() else sorted(path.rglob("*.py"))


def variables_read() -> dict[str, set[str]]:
    """Every variable the project reads, with the files that read it."""
    found: dict[str, set[str]] = {}

    def add(names: Iterable[str], path: Path) -> None:
        for name in names:
            found.setdefault(name, set()).add(str(path.relative_to(PROJECT)))

    for path in python_files():
        add(python_reads(path.read_text(encoding="utf-8")), path)
    for path in sorted((PROJECT / "docker").rglob("*")):
        if path.suffix in {".sh", ".template"}:
            add(shell_reads(path.read_text(encoding="utf-8")), path)
    add(compose_reads((PROJECT / "docker-compose.yml").read_text()), PROJECT / "docker-compose.yml")
    add(env_example_reads((PROJECT / ".env.example").read_text()), PROJECT / ".env.example")
    add(makefile_reads((PROJECT / "Makefile").read_text()), PROJECT / "Makefile")
    for name in NOT_THE_PROJECTS:
        found.pop(name, None)
    return found


def documented() -> dict[str, str]:
    """The page's table: each variable's default cell."""
    rows = [row for row in table_rows(PAGE) if row[0].startswith("`")]
    names = [row[0].strip("`") for row in rows]
    assert len(names) == len(set(names)), f"variables listed twice: {sorted(n for n in names if names.count(n) > 1)}"
    return {row[0].strip("`"): row[1] for row in rows}


def undocumented(read: dict[str, set[str]], listed: Iterable[str]) -> dict[str, set[str]]:
    return {name: files for name, files in read.items() if name not in set(listed)}


def constant(node: ast.expr) -> object:
    """The value of a default made of constants only (`60`, `"30/hour"`, `2 * 1024**3`); None otherwise."""
    allowed = (ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop)
    if not all(isinstance(part, allowed) for part in ast.walk(node)):
        return None
    return eval(compile(ast.Expression(node), "<default>", "eval"), {"__builtins__": {}})


def as_written(value: object) -> str | None:
    """How the page writes a default: on/off for a switch, the number or text itself; None for ''."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value) if value not in ("", None) else None


def wrong_defaults(source: str, listed: dict[str, str]) -> list[str]:
    mistakes = []
    for name, defaults in python_reads(source).items():
        for node in filter(None, defaults):
            expected = as_written(constant(node))
            cell = listed.get(name, "").replace("`", "")
            if expected and not re.match(rf"{re.escape(expected)}(?![\w.])", cell):
                mistakes.append(f"{name}: the code's default is {expected}, the page says {cell!r}")
    return mistakes


def test_every_variable_the_project_reads_has_a_line_on_the_configuration_page():
    missing = undocumented(variables_read(), documented())
    assert not missing, f"add a line to docs/configuration.md for each of: {missing}"


def test_every_line_of_the_configuration_page_names_a_variable_the_project_reads():
    stale = set(documented()) - set(variables_read())
    assert not stale, f"docs/configuration.md lists variables nothing reads: {sorted(stale)}"


def test_the_defaults_on_the_page_are_those_of_the_settings_and_gunicorn_conf():
    listed = documented()
    mistakes = [m for name in DEFAULTS_FROM for m in wrong_defaults((PROJECT / name).read_text(), listed)]
    assert not mistakes, mistakes


def test_a_variable_added_to_the_settings_without_a_line_is_found_missing():
    settings = (PROJECT / "core" / "settings.py").read_text()
    read = {name: {"core/settings.py"} for name in python_reads(settings + '\nX = env_int("DEALS_NEW_LIMIT", 3)\n')}
    assert undocumented(read, documented()) == {"DEALS_NEW_LIMIT": {"core/settings.py"}}


def test_a_default_changed_in_the_settings_but_not_on_the_page_is_found():
    source = 'DEALS_KEEP_LOADS = env_int("DEALS_KEEP_LOADS", 3)\nDEALS_HTTPS = env_bool("DJANGO_HTTPS", True)\n'
    assert wrong_defaults(source, documented()) == [
        "DEALS_KEEP_LOADS: the code's default is 3, the page says '1'",
        "DJANGO_HTTPS: the code's default is on, the page says 'off'",
    ]


def test_every_kind_of_source_is_read():
    """The reading itself: one variable each that only that kind of file reads."""
    read = variables_read()
    assert "docker/entrypoint-db.sh" in read["DATABASE_PASSWORD_OWNER"]
    assert "docker/nginx/default.conf.template" in read["NGINX_UPLOADS_PER_CLIENT"]
    assert "docker-compose.yml" in read["WEB_BIND"]
    assert "Makefile" in read["PYTEST_ARGS"]
    assert "gunicorn.conf.py" in read["GUNICORN_CONTROL_SOCKET"]
    assert "tests/test_page.py" in read["DEALS_SCREENSHOTS"]
