"""No configuration is dropped on the way to the app: every variable
config/settings.py reads is in .env.example, docker-compose passes each of
them from .env to every app service, and .env.example is a shell file that
means the same to a shell as to compose.

What the settings read is found in their source (env.str(), env.bool() and
the other reads of their Env, required(), os.environ), so a new setting fails
these tests until it has its line in .env.example and in docker-compose.yml's
x-app-env."""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "config" / "settings.py"
ENV_EXAMPLE = ROOT / ".env.example"
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE = shutil.which("docker-compose")
needs_compose = pytest.mark.skipif(
    COMPOSE is None, reason="needs docker-compose (apt-get install docker-compose)"
)
READERS = {"env", "required"}
# A variable line of .env.example, or one shown commented out with its default.
EXAMPLE_LINE = re.compile(r"^#? ?([A-Z][A-Z0-9_]*)=", re.M)


def settings_reads() -> dict[str, bool]:
    """Every environment variable config/settings.py reads, and whether only
    the local profile reads it (under ``else`` of ``if PRODUCTION``)."""
    reads: dict[str, bool] = {}

    def variable(node: ast.AST) -> str | None:
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            if (
                (isinstance(func, ast.Name) and func.id in READERS)
                # env.str(), env.bool(), env.db() ...
                or (isinstance(func, ast.Attribute) and ast.unparse(func.value) == "env")
                or ast.unparse(func) in ("os.environ.get", "os.getenv")
            ):
                return node.args[0].value
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            return getattr(node.slice, "value", None)
        return None

    def visit(node: ast.AST, local_only: bool) -> None:
        if isinstance(node, ast.If | ast.IfExp) and ast.unparse(node.test) in (
            "PRODUCTION",
            "not PRODUCTION",
        ):
            production_first = ast.unparse(node.test) == "PRODUCTION"
            visit(node.test, local_only)
            for child in node.body if isinstance(node.body, list) else [node.body]:
                visit(child, local_only or not production_first)
            for child in node.orelse if isinstance(node.orelse, list) else [node.orelse]:
                visit(child, local_only or production_first)
            return
        name = variable(node)
        if isinstance(name, str):
            reads[name] = reads.get(name, True) and local_only
        for child in ast.iter_child_nodes(node):
            visit(child, local_only)

    visit(ast.parse(SETTINGS.read_text()), False)
    return reads


def production_reads() -> set[str]:
    return {name for name, local_only in settings_reads().items() if not local_only}


def app_services(config: dict) -> dict[str, dict]:
    """The services that run the app (built from this folder): their environments."""
    return {
        name: service.get("environment") or {}
        for name, service in config["services"].items()
        if "build" in service
    }


def without_settings_variables() -> dict[str, str]:
    """This process's environment less every variable compose would take from
    it instead of the env file (CI sets DATABASE_URL, for one)."""
    names = set(settings_reads()) | set(EXAMPLE_LINE.findall(ENV_EXAMPLE.read_text()))
    return {key: value for key, value in os.environ.items() if key not in names}


def compose_config(env_file: Path) -> dict:
    result = subprocess.run(
        [COMPOSE, "--env-file", str(env_file), "-f", str(COMPOSE_FILE), "config"],
        cwd=ROOT,
        env=without_settings_variables(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def example_with_secrets(tmp_path: Path) -> Path:
    """.env.example with its empty secrets filled in, as an operator's .env."""
    secrets = {
        "DJANGO_SECRET_KEY": "k7Qz-2mVx9_Lp4RwTt8NbYc3HsJd6FgA1eUiOo5Kq0ZlMnBvCxWy",
        "VOTE_HASH_SECRET": "h4Rt-9sLq2_Wm7XvBn3KcPz8YdJf6GtA1eUiOo5Kq0ZlMnBvCxWy",
        "POSTGRES_PASSWORD": "pw4compose",
    }
    text = ENV_EXAMPLE.read_text()
    for name, value in secrets.items():
        text, filled = re.subn(rf"^{name}=$", f"{name}={value}", text, flags=re.M)
        assert filled == 1, f"{name}= is not an empty line of .env.example"
    path = tmp_path / ".env"
    path.write_text(text)
    return path


def loaded_by_bash(env_file: Path) -> subprocess.CompletedProcess:
    """`set -a; . ./.env`, in a shell that starts with nothing else set."""
    dump = "import json, os; print(json.dumps(dict(os.environ)))"
    script = 'set -a; . "$1" || exit 1; exec "$2" -c "$3"'
    return subprocess.run(
        ["bash", "-c", script, "bash", str(env_file), sys.executable, dump],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_settings_reads_are_all_found():
    reads = settings_reads()

    assert len(reads) > 30
    for name in ("DJANGO_ENV", "DJANGO_SECRET_KEY", "EMAIL_HOST", "PAGE_CACHE_SECONDS"):
        assert reads[name] is False
    assert reads["PUBLIC_BASE_URL"] is False  # read by both profiles
    assert reads["DJANGO_DEBUG"] is True  # the local profile's only


def test_every_variable_the_settings_read_is_in_env_example():
    listed = set(EXAMPLE_LINE.findall(ENV_EXAMPLE.read_text()))

    assert sorted(set(settings_reads()) - listed) == []


def test_env_example_names_no_variable_that_nothing_reads():
    compose_text = COMPOSE_FILE.read_text()
    listed = set(EXAMPLE_LINE.findall(ENV_EXAMPLE.read_text()))

    stale = [name for name in listed - set(settings_reads()) if f"${{{name}" not in compose_text]

    assert stale == []


def test_every_variable_the_production_settings_read_is_in_every_app_service():
    services = app_services(yaml.safe_load(COMPOSE_FILE.read_text()))

    assert {"web", "worker", "purge"} <= set(services)
    missing = {name: sorted(production_reads() - set(env)) for name, env in services.items()}
    assert missing == {name: [] for name in services}


@needs_compose
def test_docker_compose_passes_every_value_of_env_to_every_app_service(tmp_path):
    # Every variable set in .env to a value of its own.
    names = production_reads() | {"POSTGRES_PASSWORD"}
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{name}=value-of-{name}\n" for name in sorted(names)))

    services = app_services(compose_config(env_file))

    assert {"web", "worker", "purge"} <= set(services)
    for environment in services.values():
        received = {name: environment.get(name) for name in production_reads()}
        expected = {name: f"value-of-{name}" for name in production_reads()}
        # The one fixed value: this file runs the production profile.
        expected["DJANGO_ENV"] = "production"
        assert received == expected


def test_env_example_loads_in_a_shell(tmp_path):
    loaded = loaded_by_bash(example_with_secrets(tmp_path))

    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stderr == ""
    values = json.loads(loaded.stdout)
    assert values["DEFAULT_FROM_EMAIL"] == "Bosettings- og integreringsprisen <ikke-svar@imdi.no>"
    assert values["DATABASE_URL"] == "postgres://prizevote:pw4compose@db:5432/prizevote"
    assert values["RATELIMIT_VOTE_REQUEST"] == "20/m"


@needs_compose
def test_docker_compose_reads_env_example_as_the_shell_does(tmp_path):
    env_file = example_with_secrets(tmp_path)
    shell = json.loads(loaded_by_bash(env_file).stdout)

    services = app_services(compose_config(env_file))

    for environment in services.values():
        passed = {name: environment[name] for name in shell if name in environment}
        assert passed == {name: shell[name] for name in passed}
        assert len(passed) > 30


def test_the_production_profile_starts_on_env_example(tmp_path):
    # As an operator would run manage.py on a host without compose.
    result = subprocess.run(
        [
            "bash",
            "-c",
            'set -a; . "$1" || exit 1; exec "$2" manage.py check --deploy --fail-level WARNING',
            "bash",
            str(example_with_secrets(tmp_path)),
            sys.executable,
        ],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


# The settings of a process, as JSON: the repr of each one (less objects
# whose repr is only their address in memory).
DUMP_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
values = {name: repr(getattr(settings, name)) for name in dir(settings) if name.isupper()}
print(json.dumps({name: value for name, value in values.items() if " at 0x" not in value}))
"""
REQUIRED = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k7Qz-2mVx9_Lp4RwTt8NbYc3HsJd6FgA1eUiOo5Kq0ZlMnBvCxWy",
    "VOTE_HASH_SECRET": "h4Rt-9sLq2_Wm7XvBn3KcPz8YdJf6GtA1eUiOo5Kq0ZlMnBvCxWy",
    "DJANGO_ALLOWED_HOSTS": "stem.imdi.no",
    "PUBLIC_BASE_URL": "https://stem.imdi.no",
    "DATABASE_URL": "postgres://prizevote:pw@db:5432/prizevote",
    "REDIS_URL": "redis://redis:6379/0",
    "EMAIL_HOST": "mail",
}


def production_settings(environment: dict[str, str]) -> dict[str, str]:
    result = subprocess.run(
        [sys.executable, "-c", DUMP_SETTINGS],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **environment,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_variable_compose_passes_empty_takes_the_apps_default():
    # ${NAME:-} passes an empty value for every variable .env leaves out.
    empty = dict.fromkeys(production_reads() - set(REQUIRED), "")

    assert production_settings({**REQUIRED, **empty}) == production_settings(REQUIRED)
