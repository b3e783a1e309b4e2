"""No configuration is dropped on the way to the app: every variable
config/settings.py reads is in .env.example, docker-compose passes each of
them from .env to every app service, and .env.example is a shell file that
means the same to a shell as to compose.

What the settings read is noted as they load, in each profile, so a new
setting fails these tests until it has its line in .env.example and in
docker-compose.yml's x-app-env."""

import functools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests import cluster, compose
from tests.compose import needs_compose

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / ".env.example"
# A variable line of .env.example, or one shown commented out with its default.
EXAMPLE_LINE = re.compile(r"^#? ?([A-Z][A-Z0-9_]*)=", re.M)


# Imports the settings with os.environ standing in for a mapping that notes
# each name the settings look up (they, or what they call for them: not a
# library reading its own variables on import), and prints the names.
RECORD_READS = """
import json, os, sys
settings_file = os.path.abspath("config/settings.py")
read = set()

class Noting(dict):
    def note(self, name):
        frame = sys._getframe(2)
        while frame is not None:
            if os.path.abspath(frame.f_code.co_filename) == settings_file:
                read.add(name)
                return
            frame = frame.f_back

    def get(self, name, default=None):
        self.note(name)
        return super().get(name, default)

    def __getitem__(self, name):
        self.note(name)
        return super().__getitem__(name)

    def __contains__(self, name):
        self.note(name)
        return super().__contains__(name)

os.environ = Noting(os.environ)
import config.settings
print(json.dumps(sorted(read)))
"""


def reads_of(environment: dict[str, str]) -> set[str]:
    """The variables the settings read as they load with ``environment``
    (and nothing of this process's environment but PATH)."""
    result = subprocess.run(
        [sys.executable, "-c", RECORD_READS],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@functools.cache
def settings_reads() -> dict[str, bool]:
    """Every environment variable config/settings.py reads, in the local
    profile or in production, and whether only the local profile reads it."""
    local = reads_of({})
    production = reads_of(cluster.PRODUCTION_ENV)
    return {name: name not in production for name in local | production}


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
    return compose.compose_config(env=without_settings_variables(), env_file=env_file)


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


@needs_compose
def test_env_example_names_no_variable_that_nothing_reads(tmp_path):
    # Each variable of .env.example set to a value of its own: those the
    # settings do not read must reach some service through compose.
    listed = set(EXAMPLE_LINE.findall(ENV_EXAMPLE.read_text()))
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{name}=value-of-{name}\n" for name in sorted(listed)))

    passed = json.dumps(compose_config(env_file))

    stale = [
        name
        for name in listed - set(settings_reads())
        if not re.search(rf"value-of-{name}(?![A-Z0-9_])", passed)
    ]
    assert stale == []


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
