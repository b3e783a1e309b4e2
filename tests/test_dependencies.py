"""Installs are reproducible: requirements.lock (the app) and
requirements-dev.lock (the app and the tests' tools) pin every dependency
pyproject.toml names, at versions its ranges allow, each with its hashes; the
tests run those versions, `make test` installs them, and the Dockerfile
installs them before it copies the code."""

import importlib.metadata
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
APP = [Requirement(line) for line in PYPROJECT["dependencies"]]
DEV = APP + [Requirement(line) for line in PYPROJECT["optional-dependencies"]["dev"]]
# A lock's entry: "name==version \" and then its "--hash=sha256:..." lines.
ENTRY = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)((?:\s*\\\n\s+--hash=\S+)+)", re.M
)


def locked(lock: str) -> dict[str, str]:
    """The lock's packages, by canonical name, and their versions."""
    return {
        canonicalize_name(entry["name"]): entry["version"]
        for entry in ENTRY.finditer((ROOT / lock).read_text())
    }


def extras_of(requirement: Requirement) -> set[str]:
    """The packages an extra such as psycopg[binary] adds, from the installed
    package's metadata."""
    added = set()
    for line in importlib.metadata.requires(requirement.name) or []:
        dependency = Requirement(line)
        for extra in requirement.extras:
            if dependency.marker and Marker(str(dependency.marker)).evaluate({"extra": extra}):
                added.add(canonicalize_name(dependency.name))
    return added


@pytest.mark.parametrize(
    ("lock", "requirements"), [("requirements.lock", APP), ("requirements-dev.lock", DEV)]
)
def test_the_lock_pins_every_dependency_of_pyproject_within_its_range(lock, requirements):
    pins = locked(lock)

    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in {lock}: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{lock} has {name} {pins[name]}, pyproject.toml asks for {requirement.specifier}: "
            "run `make lock`"
        )
        for extra in extras_of(requirement):
            assert extra in pins, f"{extra} ({requirement}) is not in {lock}: run `make lock`"


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_line_of_the_lock_is_an_exact_version_with_its_hashes(lock):
    text = (ROOT / lock).read_text()
    requirement_lines = [
        line for line in text.splitlines() if line and not line.startswith((" ", "#"))
    ]

    assert requirement_lines, f"{lock} is empty"
    # Every requirement line is one ENTRY: name==version followed by hashes.
    assert len(requirement_lines) == len(ENTRY.findall(text)), [
        line for line in requirement_lines if "==" not in line
    ]


def test_the_dev_lock_keeps_the_apps_versions():
    app, dev = locked("requirements.lock"), locked("requirements-dev.lock")

    assert {name: dev.get(name) for name in app} == app


def test_the_tests_run_the_locked_versions():
    pins = locked("requirements-dev.lock")

    installed = {name: importlib.metadata.version(name) for name in pins}

    assert installed == pins, "the .venv differs from requirements-dev.lock: run `make test`"


def test_make_test_installs_the_locked_versions_then_the_project_without_its_dependencies(
    tmp_path,
):
    # What `make test` would run on a clean clone, without running it.
    plan = subprocess.run(
        ["make", "-n", "-B", "test", f"VENV={tmp_path}/venv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    installs = [line for line in plan.splitlines() if "pip install" in line]

    assert [line.split(" install ", 1)[1].split()[-2:] for line in installs] == [
        ["-r", "requirements.lock"],
        ["-e", "."],
        ["-r", "requirements-dev.lock"],
    ]
    assert all("--require-hashes" in line for line in installs if " -r " in line)
    assert "--no-deps" in installs[1]
    assert plan.index("requirements-dev.lock") < plan.index("-m pytest")


def test_make_run_serves_on_the_port_given_and_the_app_links_to_it(tmp_path):
    # A stand-in for the venv's python prints the address the app is given and
    # what it is asked to run, so `make run` runs without installing or serving.
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text('#!/bin/sh\necho "$PUBLIC_BASE_URL $*"\n')
    python.chmod(0o755)

    def run(*args):
        return subprocess.run(
            ["make", "-s", "-B", "run", f"VENV={tmp_path}/venv", *args],
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if k not in ("PORT", "PUBLIC_BASE_URL")},
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.splitlines()

    on_8001 = run("PORT=8001")
    default = run()

    assert on_8001[-1] == "http://127.0.0.1:8001 manage.py runserver 127.0.0.1:8001"
    assert "http://127.0.0.1:8001 manage.py create_local_admin" in on_8001
    assert default[-1] == "http://127.0.0.1:8000 manage.py runserver 127.0.0.1:8000"


def test_the_image_installs_the_locked_dependencies_before_it_copies_the_code():
    steps = [
        line
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith(("COPY", "RUN", "ADD"))
    ]

    assert steps[0] == "COPY requirements.lock ./"
    assert steps[1] == "RUN pip install --no-cache-dir --require-hashes -r requirements.lock"
    # Nothing after it installs a package the lock does not pin.
    assert not [step for step in steps[2:] if "pip install" in step]
