"""config.wsgi as an app server's worker loads it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def frozen_after(statement: str) -> int:
    """How many objects the garbage collector no longer walks after ``statement``,
    in a Python of its own with the project's settings."""
    output = subprocess.run(
        [sys.executable, "-c", f"import gc; {statement}; print(gc.get_freeze_count())"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return int(output.stdout.split()[-1])


def test_the_loaded_application_is_out_of_the_collectors_sight():
    # A full collection walked all of it, 30-190 ms a time in a busy worker.
    assert frozen_after("import django; django.setup()") == 0
    assert frozen_after("import config.wsgi") > 10_000
