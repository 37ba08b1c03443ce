"""`manage.py check --deploy` finds nothing to warn about in the compose stack's configuration, with
plain HTTP (the default) or behind a TLS proxy; and the environment drives the HTTPS settings."""

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from tests.live_server import PROJECT

COMPOSE_VARIABLE = re.compile(r"\$\{(\w+)(:?-)?([^}]*)\}")
# Where the stack's db service would have written the database password (a volume in the stack).
VOLUME = tempfile.TemporaryDirectory(prefix="deals-deploy-check-")


def compose_web_environment() -> dict[str, str]:
    """The environment docker-compose.yml gives the web service, every variable at its default."""

    def default(match: re.Match) -> str:
        return match.group(3) if match.group(2) else ""

    compose = yaml.safe_load((PROJECT / "docker-compose.yml").read_text())
    environment = compose["services"]["web"]["environment"]
    env = {name: COMPOSE_VARIABLE.sub(default, str(value)) for name, value in environment.items()}
    if not env.get("DJANGO_SECRET_KEY"):
        env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(64)  # as the stack generates on its first start
    if env.get("DATABASE_PASSWORD_FILE"):  # written by the db service on its first start
        password_file = Path(VOLUME.name) / "password"
        password_file.write_text(secrets.token_urlsafe(30) + "\n")
        env["DATABASE_PASSWORD_FILE"] = str(password_file)
    return env


def run_in(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """manage.py with exactly `env` (plus PATH): nothing leaks in from the test run's environment."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_in(env, "check", "--deploy", "--fail-level", "WARNING")


def test_the_compose_configuration_passes_check_deploy_without_a_warning():
    result = deploy_check(compose_web_environment())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_behind_a_tls_proxy_it_passes_check_deploy_without_a_warning():
    env = {**compose_web_environment(), "DJANGO_HTTPS": "1", "DEALS_TRUSTED_PROXIES": "1"}
    result = deploy_check(env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_check_fails_on_a_warning_such_as_a_weak_secret_key():
    result = deploy_check({**compose_web_environment(), "DJANGO_SECRET_KEY": "change-me"})
    assert result.returncode != 0
    assert "security.W009" in result.stderr


def security_settings(env: dict[str, str]) -> dict:
    names = [
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_PROXY_SSL_HEADER",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_SECURE",
        "X_FRAME_OPTIONS",
        "SILENCED_SYSTEM_CHECKS",
        "REST_FRAMEWORK",
    ]
    shown = f"{{n: getattr(s, n) for n in {names}}}"
    code = f"import json; from django.conf import settings as s; print(json.dumps({shown}))"
    result = run_in(env, "shell", "--no-imports", "-c", code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_compose_stack_serves_plain_http_and_believes_its_nginx():
    found = security_settings(compose_web_environment())
    assert found["SECURE_SSL_REDIRECT"] is False
    assert found["SECURE_HSTS_SECONDS"] == 0
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["REST_FRAMEWORK"]["NUM_PROXIES"] == 1
    assert found["CSRF_COOKIE_SECURE"] is found["SESSION_COOKIE_SECURE"] is True
    assert found["X_FRAME_OPTIONS"] == "DENY"
    assert found["SILENCED_SYSTEM_CHECKS"] == ["security.W004", "security.W008"]


def test_without_a_proxy_no_forwarded_header_is_believed():
    found = security_settings({"DJANGO_SECRET_KEY": secrets.token_urlsafe(64)})
    assert found["SECURE_PROXY_SSL_HEADER"] is None
    assert found["REST_FRAMEWORK"]["NUM_PROXIES"] == 0
    assert found["SECURE_SSL_REDIRECT"] is False


def test_behind_a_tls_proxy_https_is_required_and_its_header_believed():
    found = security_settings({**compose_web_environment(), "DJANGO_HTTPS": "1", "DEALS_TRUSTED_PROXIES": "1"})
    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["SECURE_HSTS_SECONDS"] == 31_536_000
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["SILENCED_SYSTEM_CHECKS"] == ["security.W021"]
