"""The production settings of tests/server_settings.py with production's SMTP
back end, for the attack tests' app servers (tests/production.py), which send
to a real SMTP server on loopback."""

from tests.server_settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
