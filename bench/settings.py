"""Production settings for the benchmark: config.settings with only what the
benchmark must swap. The bare views' URLs are added (bench.urls) and their
template folder is found; static files are collected into the run's temporary
folder, not the shared staticfiles/; e-mail goes nowhere (no SMTP server runs,
and with the production task backend the request only queues the e-mail; no
worker runs during the benchmark)."""

import os

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.urls"
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]}]
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
