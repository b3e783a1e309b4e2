import re

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def clear_cache():
    # Rate-limit counters would otherwise leak from one test into the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def confirm_path(mailoutbox):
    """The path of the confirmation link in the newest e-mail."""

    def read() -> str:
        match = re.search(r"https?://[^/\s]+(/[a-z]{2}/stem/bekreft/[^\s]+/)", mailoutbox[-1].body)
        assert match, mailoutbox[-1].body
        return match.group(1)

    return read
