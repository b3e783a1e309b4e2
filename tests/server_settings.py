"""The production settings, for the app servers and workers tests/cluster.py
starts.

Only two things differ, both things a test run cannot have: collected static
files (production serves them from a manifest built by collectstatic) and a
mail server. Everything else, the Redis cache in particular, is production's.
"""

from config.settings import *  # noqa: F403
from config.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
