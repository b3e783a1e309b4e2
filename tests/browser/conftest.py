"""Real-browser tests: Debian's Chromium driven by the playwright package,
against the app served by pytest-django's live server (same process, so the
tests read the sent e-mails from django.core.mail.outbox).

One browser for the whole package; each test opens its own contexts, which
are closed after it. Run only these tests with `pytest -m browser`."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Bounded waits: a page of this app loads in well under a second here.
TIMEOUT_MS = 10_000


@pytest.fixture(scope="package", autouse=True)
def allow_orm_beside_playwright():
    """Playwright's sync API keeps an asyncio event loop running in the test's
    thread, and Django refuses ORM calls while one runs. These tests call the
    ORM only between browser steps, never from inside the loop, so that is
    safe here. Only for this package: the variable is gone (and the browser
    with its loop closed) before any other test runs, and never reaches a
    subprocess that `check --deploy` would fail on."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(allow_orm_beside_playwright):
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed at /usr/bin/chromium "
            "(apt-get install chromium; .ci/run does this)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000
        )
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser):
    """open_page(width=, height=, javascript=) -> a page in a fresh context (own
    cookies), closed after the test."""
    contexts = []

    def open_(*, width: int = 1280, height: int = 900, javascript: bool = True):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            java_script_enabled=javascript,
            locale="nb-NO",
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    return open_page()
