"""docker-compose.yml as docker-compose runs it: `docker-compose config`
(anchors merged, variables interpolated), parsed, for the tests of what compose
gives the services it starts. Needs docker-compose (no Docker engine)."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = shutil.which("docker-compose")
needs_compose = pytest.mark.skipif(
    COMPOSE is None, reason="needs docker-compose (apt-get install docker-compose)"
)
# What docker-compose.yml will not start without (`${NAME:?…}`).
SECRETS = {
    "DJANGO_SECRET_KEY": "a",
    "VOTE_HASH_SECRET": "b",
    "POSTGRES_PASSWORD": "c",
    "PUBLIC_BASE_URL": "https://stem.imdi.no",
    "DATABASE_URL": "postgres://prizevote:c@db:5432/prizevote",
}


def compose_config(*, env: dict[str, str], env_file: Path | None = None) -> dict:
    """`docker-compose config` with ``env`` as its environment and
    ``env_file`` as its .env (none: an empty one, not a .env lying in the checkout)."""
    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / ".env"
        empty.write_text("")
        result = subprocess.run(
            [
                *(COMPOSE, "--env-file", str(env_file or empty)),
                *("-f", str(ROOT / "docker-compose.yml"), "config"),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def services(**values: str) -> dict[str, dict]:
    """The services as compose starts them with SECRETS and ``values`` set,
    and nothing else of this process's environment."""
    env = {"PATH": os.environ["PATH"], **SECRETS, **values}
    return compose_config(env=env)["services"]
