"""Pages that explain: what is stored about a vote, and for how long."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import confirmation


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "valid_hours": confirmation.valid_hours(),
        "retention_days": settings.VOTE_METADATA_RETENTION_DAYS,
    }
    return render(request, "voting/privacy.html", context)
