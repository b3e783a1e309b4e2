"""Public pages that are not the vote itself: the archive of results, what is
stored about a vote and for how long, and the accessibility statement."""

from datetime import date

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import get_text_list
from django.utils.translation import gettext

from config.http import require_safe
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
def archive(request: HttpRequest) -> HttpResponse:
    rounds = results.archive()
    years = {prize_round.year for prize_round, _ in rounds}
    # Every year from the first round shown to the last that has none: said once,
    # so that a gap in the list is not taken for an omission.
    missing = sorted(set(range(min(years), max(years) + 1)) - years) if years else []
    imported = sorted(prize_round.year for prize_round, _ in rounds if prize_round.imported)
    context = {
        "rounds": rounds,
        "missing_years": years_in_words(missing),
        "imported_years": years_in_words(imported),
    }
    return render(request, "website/archive.html", context)


def years_in_words(years: list[int]) -> str:
    """Sorted years as a list in the page's language, each run of consecutive
    years as one span: "2017, 2019 og 2021–2024"."""
    spans: list[list[int]] = []
    for year in years:
        if spans and spans[-1][-1] + 1 == year:
            spans[-1].append(year)
        else:
            spans.append([year])
    parts = [f"{span[0]}–{span[-1]}" if len(span) > 1 else str(span[0]) for span in spans]
    return get_text_list(parts, gettext("og"))
