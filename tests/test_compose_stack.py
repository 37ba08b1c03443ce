"""What docker-compose.yml and the nginx template promise, read from the files themselves.

The stack itself is exercised by ../shared/tools/compose-smoke.sh (it needs a Docker engine); these
catch the mistakes that would only show there: a template variable nobody sets (nginx would get
the literal `${...}` text and refuse to start), a second published port, a secret default.
"""

import posixpath
import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
TEMPLATE = (ROOT / "docker" / "nginx" / "default.conf.template").read_text()
DOCKERFILE = (ROOT / "Dockerfile").read_text()
ENV_EXAMPLE = (ROOT / ".env.example").read_text()
TEMPLATE_MOUNT = "./docker/nginx/default.conf.template:/etc/nginx/templates/default.conf.template:ro"


def directives(text: str) -> str:
    """The template without its comments: what nginx reads."""
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def test_the_nginx_service_renders_the_template_from_the_repository():
    assert TEMPLATE_MOUNT in SERVICES["nginx"]["volumes"]


def test_every_variable_of_the_nginx_template_is_set_for_the_nginx_service():
    used = set(re.findall(r"\$\{(\w+)\}", directives(TEMPLATE)))

    assert used, "the template uses no variable: is it still a template?"
    assert used <= set(SERVICES["nginx"]["environment"]), used - set(SERVICES["nginx"]["environment"])


def test_only_nginx_is_published_and_by_default_on_this_machine_only():
    published = {name for name, service in SERVICES.items() if service.get("ports")}

    assert published == {"nginx"}
    assert SERVICES["nginx"]["ports"] == ["${WEB_BIND:-127.0.0.1}:${WEB_PORT:-8000}:${WEB_PORT:-8000}"]
    assert re.search(r"^\s*listen \$\{WEB_PORT\};", TEMPLATE, re.M)


def test_gunicorn_listens_on_app_port_on_every_interface_of_its_container_and_nginx_points_there():
    web = SERVICES["web"]["environment"]

    assert web["HOST"] == "0.0.0.0"
    assert web["PORT"] == "${APP_PORT:-8001}"
    assert SERVICES["nginx"]["environment"]["APP_PORT"] == "${APP_PORT:-8001}"
    assert re.search(r"^\s*server web:\$\{APP_PORT\};", TEMPLATE, re.M)


def test_no_secret_key_is_shipped_and_the_generated_one_is_kept_in_a_volume():
    assert SERVICES["web"]["environment"]["DJANGO_SECRET_KEY"] == "${DJANGO_SECRET_KEY:-}"
    assert "secrets:/var/lib/deals-report" in SERVICES["web"]["volumes"]
    assert "secrets" in COMPOSE["volumes"]


def test_no_database_password_is_shipped_and_the_clients_carry_none_in_their_url():
    assert SERVICES["db"]["environment"]["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:-}"
    assert re.search(r"^POSTGRES_PASSWORD=$", ENV_EXAMPLE, re.M)
    for name in ("web", "test"):
        assert urlsplit(SERVICES[name]["environment"]["DATABASE_URL"]).password is None, name


def test_no_default_anywhere_gives_a_password():
    for name, service in SERVICES.items():
        for variable, value in service.get("environment", {}).items():
            if "PASSWORD" in variable and not variable.endswith(("_FILE", "_OWNER")):
                assert value in (f"${{{variable}:-}}", f"${{{variable}-}}"), (name, variable, value)
    assert not re.search(r"^\w*PASSWORD\w*=[ \t]*\S", ENV_EXAMPLE, re.M)
    for path in ("docker-compose.yml", ".env.example", "Dockerfile", "docker/entrypoint-db.sh", "docker/entrypoint.sh"):
        text = (ROOT / path).read_text()
        assert not re.search(r"PASSWORD\w*(:-|:=|=)[ \t]*[^$\s\"'}]", text), path
        assert not re.search(r"postgres(ql)?://[^@/\s]*:[^@/\s]*@", text), path


def password_volume(service: str) -> tuple[str, str]:
    """The volume (and its mode) that holds DATABASE_PASSWORD_FILE's folder in `service`."""
    folder = posixpath.dirname(SERVICES[service]["environment"]["DATABASE_PASSWORD_FILE"])
    mounts = [m.split(":") for m in SERVICES[service]["volumes"] if m.split(":")[1] == folder]
    assert len(mounts) == 1, (service, folder)
    volume, _, *mode = mounts[0]
    return volume, "".join(mode)


def test_db_web_and_test_use_one_password_file_in_one_volume_only_the_db_writes():
    files = {name: SERVICES[name]["environment"]["DATABASE_PASSWORD_FILE"] for name in ("db", "web", "test")}
    volumes = {name: password_volume(name) for name in files}

    assert len(set(files.values())) == 1, files
    assert volumes == {"db": ("db-password", ""), "web": ("db-password", "ro"), "test": ("db-password", "ro")}
    assert "db-password" in COMPOSE["volumes"]


def test_the_password_file_belongs_to_the_user_the_web_image_runs_as():
    user = re.search(r"^USER (\S+)$", DOCKERFILE, re.M)[1]

    assert SERVICES["db"]["environment"]["DATABASE_PASSWORD_OWNER"] == user


def test_the_db_service_starts_through_the_script_that_keeps_the_password():
    script = SERVICES["db"]["entrypoint"][-1]
    mount = next(m for m in SERVICES["db"]["volumes"] if m.startswith("./docker:"))
    _, folder, mode = mount.split(":")

    assert mode == "ro"
    assert (ROOT / "docker" / posixpath.relpath(script, folder)) == ROOT / "docker" / "entrypoint-db.sh"
    assert SERVICES["web"]["depends_on"]["db"]["restart"] is True  # it reads the password at start


def test_the_proxy_limits_the_body_to_the_services_upload_limit():
    nginx, web = SERVICES["nginx"]["environment"], SERVICES["web"]["environment"]

    assert nginx["DEALS_MAX_UPLOAD_BYTES"] == web["DEALS_MAX_UPLOAD_BYTES"]
    assert re.search(r"^\s*client_max_body_size \$\{DEALS_MAX_UPLOAD_BYTES\};", TEMPLATE, re.M)


def test_uploads_stream_through_the_proxy_over_http_1_1():
    upload_location = re.search(r"location /api/deals/ \{(.*?)\n    \}", directives(TEMPLATE), re.S)[1]

    assert re.search(r"^\s*proxy_request_buffering off;", upload_location, re.M)
    assert re.search(r"^\s*proxy_http_version 1\.1;", upload_location, re.M)


def test_forwarded_headers_are_overwritten_by_the_proxy_never_appended():
    text = directives(TEMPLATE)

    assert re.search(r"^\s*proxy_set_header X-Forwarded-For \$remote_addr;", text, re.M)
    assert "$proxy_add_x_forwarded_for" not in text


def test_the_test_service_runs_only_when_asked_for_and_against_the_stacks_database():
    test = SERVICES["test"]

    assert test["profiles"] == ["test"]
    assert test["build"]["target"] == "test"
    assert "@db:" in test["environment"]["DATABASE_URL"]
    assert set(test["depends_on"]) == {"db", "redis"}
