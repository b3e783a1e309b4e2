"""The site's statements: what is stored about a vote and for how long, the
accessibility statement, and how anyone can check the count."""

from datetime import date

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from config.http import require_safe
from config.links import public_url
from voting import confirmation, results


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


@require_safe
def count_check(request: HttpRequest) -> HttpResponse:
    """What the ballot box holds and how to recount it, with the published
    ballot boxes and commands for the newest (or this year's, none yet)."""
    boxes = results.published_ballot_boxes()
    year = boxes[0][0].year if boxes else timezone.localdate().year
    context = {
        "boxes": boxes,
        "example_url": public_url(reverse("data:ballot_box_json", args=[year])),
        "example_year": year,
        "example_digest": boxes[0][1].digest if boxes else "",
    }
    return render(request, "website/count_check.html", context)
