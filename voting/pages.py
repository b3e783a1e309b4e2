"""Public pages that are not the vote itself: the archive of results, and
what is stored about a vote and for how long."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import confirmation, results


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "valid_hours": confirmation.valid_hours(),
        "retention_days": settings.VOTE_METADATA_RETENTION_DAYS,
    }
    return render(request, "voting/privacy.html", context)


@require_GET
def archive(request: HttpRequest) -> HttpResponse:
    return render(request, "voting/archive.html", {"rounds": results.archive()})
