"""The site's statements: what is stored about a vote and for how long, and
the accessibility statement."""

from datetime import date

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.http import require_safe
from voting import confirmation


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "valid_hours": confirmation.valid_hours(),
        "retention_days": settings.VOTE_METADATA_RETENTION_DAYS,
    }
    return render(request, "website/privacy.html", context)


# The axe-core version the browser tests run (tests/browser/vendor/axe.min.js;
# a test checks the two agree), and when the statement was last reviewed.
AXE_CORE_VERSION = "4.14.1"
ACCESSIBILITY_REVIEWED = date(2026, 11, 23)


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    context = {
        "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
        "axe_version": AXE_CORE_VERSION,
        "reviewed": ACCESSIBILITY_REVIEWED,
    }
    return render(request, "website/accessibility.html", context)
