from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def user_named(username: str | None):
    """The account a command records in the audit trail, or None if not given."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user called {username!r}.")
    return user
