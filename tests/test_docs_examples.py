"""The commands the documentation shows are commands that work: a renamed endpoint, variable, make
target or compose service fails here instead of leaving a wrong page.

Read: the code blocks (`sh`, `console`) and the command-like code spans of README.md and
docs/getting-started.md. Every URL on localhost must resolve to one of Django's routes (on every
page of docs/ too), every `make X` name a target of the Makefile, every `docker compose` service
and profile exist in docker-compose.yml, every `manage.py` command exist, every variable set or
read be one of docs/configuration.md's (which tests/test_docs_configuration.py holds to what the
project reads), and every file of the repository named exist. The `console` blocks are run against
a real gunicorn with the sample file: each answer shown must be the answer given (`upload` and
`dataset` count up, so any number will do).
"""

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands
from django.urls import Resolver404, resolve

from tests.live_server import PROJECT, Gunicorn, database_url
from tests.markdown import code_blocks
from tests.support import DATA
from tests.test_docs_configuration import documented

PAGES_WITH_COMMANDS = [PROJECT / "README.md", PROJECT / "docs" / "getting-started.md"]
ALL_PAGES = [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md"))]
SHOWN_URL = "http://localhost:8000"
LOCAL_URL = re.compile(r"https?://(?:localhost|127\.0\.0\.1)(?::\d+)?(/[^\s'\"`)<>\]]*)?")
ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)=")
REFERENCE = re.compile(r"\$\{?([A-Z][A-Z0-9_]*)")
COMMAND_SPAN = re.compile(r"`((?:[A-Z][A-Z0-9_]*=\S*\s+)*(?:make|curl|docker|python|\.venv/bin/python)\s[^`]*)`")
REPOSITORY_PATH = re.compile(r"^@?((?:tests|docs|bench|docker|core|deals|sql)/[^\s;]+)")
VARYING = {"upload", "dataset"}  # numbers that count up with every upload


def commands(text: str, language: str) -> list[str]:
    """The commands of a code block: every line of a `sh` block, the `$ ` lines of a `console` one;
    comments dropped, continued lines joined."""
    lines = text.replace("\\\n", " ").splitlines()
    if language == "console":
        lines = [line[2:] for line in lines if line.startswith("$ ")]
    return [c for line in lines if (c := re.sub(r"(^|\s)#.*", "", line).strip())]


def shown_commands(page: Path) -> list[str]:
    blocks = [block for block in code_blocks(page) if block.language in {"sh", "console"}]
    found = [command for block in blocks for command in commands(block.text, block.language)]
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    return found + COMMAND_SPAN.findall(text)


def unknown_routes(text: str) -> list[str]:
    wrong = []
    for match in LOCAL_URL.finditer(text):
        path = (match.group(1) or "/").rstrip(".,;:").split("?")[0].split("#")[0]  # a sentence may end there
        try:
            route = resolve(path).url_name
        except Resolver404:
            route = None
        if route in (None, "api-not-found"):  # the catch-all under /api/ answers 404 for what is no route
            wrong.append(match.group(0).rstrip(".,;:"))
    return wrong


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", (PROJECT / "Makefile").read_text(), re.MULTILINE))


def compose_names() -> tuple[set[str], set[str]]:
    services = yaml.safe_load((PROJECT / "docker-compose.yml").read_text())["services"]
    return set(services), {p for service in services.values() for p in service.get("profiles", [])}


def compose_mistakes(words: list[str]) -> list[str]:
    """`docker compose [--profile P] run|exec [options] SERVICE ...`: the profile and the service."""
    services, profiles = compose_names()
    wrong, rest = [], words[2:]
    while rest and rest[0].startswith("-"):
        if rest[0] == "--profile":
            wrong += [f"profile {rest[1]}"] if rest[1] not in profiles else []
            rest = rest[1:]
        rest = rest[1:]
    if rest and rest[0] in {"run", "exec"}:
        service = next((w for w in rest[1:] if not w.startswith("-")), None)
        wrong += [f"service {service}"] if service not in services else []
    return wrong


def mistakes(command: str, variables: set[str]) -> list[str]:
    """What in one command names something that does not exist."""
    wrong = [f"route {url}" for url in unknown_routes(command)]
    words = shlex.split(command, comments=False)
    for word in words:
        if (assigned := ASSIGNMENT.match(word)) and assigned.group(1) not in variables:
            wrong.append(f"variable {assigned.group(1)}")
        if (path := REPOSITORY_PATH.match(word)) and not (PROJECT / path.group(1)).exists():
            wrong.append(f"file {path.group(1)}")
    wrong += [f"variable {name}" for name in REFERENCE.findall(command) if name not in variables]
    program = [w for w in words if not ASSIGNMENT.match(w)]
    if program[:1] == ["make"]:
        wrong += [f"make target {t}" for t in program[1:] if not t.startswith("-") and t not in make_targets()]
    if program[:2] == ["docker", "compose"]:
        wrong += compose_mistakes(program)
    if "manage.py" in program[:-1]:
        name = program[program.index("manage.py") + 1]
        wrong += [f"manage.py command {name}"] if name not in get_commands() else []
    return wrong


@pytest.mark.parametrize("page", PAGES_WITH_COMMANDS, ids=lambda p: p.name)
def test_the_commands_shown_name_routes_targets_services_variables_and_files_that_exist(page):
    variables = set(documented())
    found = shown_commands(page)
    assert any(c.startswith("curl") for c in found) and any(c.startswith("make") for c in found)
    wrong = {c: m for c in found if (m := mistakes(c, variables))}
    assert not wrong, f"{page.name}: {wrong}"


@pytest.mark.parametrize("page", ALL_PAGES, ids=lambda p: p.name)
def test_every_url_on_this_machine_that_a_page_names_is_one_the_service_serves(page):
    assert not unknown_routes(page.read_text(encoding="utf-8"))


def test_a_renamed_endpoint_variable_target_or_service_is_caught():
    variables = set(documented())
    assert mistakes("curl http://localhost:8000/api/deal/", variables) == ["route http://localhost:8000/api/deal/"]
    assert mistakes("DEALS_UPLOAD_TOKN=x make run", variables) == ["variable DEALS_UPLOAD_TOKN"]
    assert mistakes("make serve", variables) == ["make target serve"]
    assert mistakes("python manage.py load_deal deals.csv", variables) == ["manage.py command load_deal"]
    assert mistakes("docker compose --profile tests run --rm tests", variables) == ["profile tests", "service tests"]
    assert mistakes("curl -F deals=@tests/data/deal.csv http://localhost:8000/api/deals/", variables) == []
    assert mistakes("curl -T tests/data/deal.csv http://localhost:8000/api/deals/", variables) == [
        "file tests/data/deal.csv"
    ]


def agrees(shown, given) -> bool:
    """`given` says what `shown` says: the same keys with the same values (more keys are allowed:
    the contract lets answers carry informative extras); `upload` and `dataset` any whole number."""
    if isinstance(shown, dict):
        return isinstance(given, dict) and all(
            key in given
            and (
                isinstance(given[key], int) if key in VARYING and isinstance(value, int) else agrees(value, given[key])
            )
            for key, value in shown.items()
        )
    if isinstance(shown, list):
        return isinstance(given, list) and len(shown) == len(given) and all(map(agrees, shown, given))
    return shown == given


def console_sessions(page: Path) -> list[list[tuple[str, str]]]:
    """Each `console` block as (command, the output shown after it)."""
    sessions = []
    for block in code_blocks(page):
        if block.language == "console":
            steps: list[tuple[str, list[str]]] = []
            for line in block.text.splitlines():
                if line.startswith("$ "):
                    steps.append((line[2:], []))
                else:
                    steps[-1][1].append(line)
            sessions.append([(command, "\n".join(output)) for command, output in steps])
    return sessions


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        url = database_url()
    with Gunicorn(database_url=url, log_path=tmp_path_factory.mktemp("docs") / "gunicorn.log") as gunicorn:
        yield gunicorn


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_dataset")
@pytest.mark.server
@pytest.mark.parametrize("page", PAGES_WITH_COMMANDS, ids=lambda p: p.name)
def test_the_console_examples_give_the_answers_shown(page, server, tmp_path):
    assert shutil.which("curl"), "this test runs the real curl: install it (apt-get install -y curl)"
    (tmp_path / "tests" / "data").mkdir(parents=True)
    shutil.copy(DATA / "deals.csv", tmp_path / "tests" / "data" / "deals.csv")
    sessions = console_sessions(page)
    assert sessions, f"{page.name} shows no console example"
    for session in sessions:
        for command, shown in session:
            done = subprocess.run(
                ["bash", "-c", command.replace(SHOWN_URL, server.url)],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert done.returncode == 0, f"{command}: {done.stderr}"
            if shown:
                assert agrees(json.loads(shown), json.loads(done.stdout)), (
                    f"{command}\nshown: {shown}\ngot: {done.stdout}"
                )
