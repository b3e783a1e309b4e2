from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .models import Nomination, PrizeRound


def nominations_of(prize_round: PrizeRound):
    return prize_round.nominations.select_related("municipality").prefetch_related("key_figures")


def round_context(prize_round: PrizeRound | None) -> dict[str, Any]:
    return {
        "round": prize_round,
        "nominations": nominations_of(prize_round) if prize_round else [],
    }


def published_nomination(year: int, slug: str) -> Nomination:
    return get_object_or_404(
        Nomination.objects.published().select_related("round", "municipality"),
        round__year=year,
        municipality__slug=slug,
    )


def nomination_context(nomination: Nomination, **extra: Any) -> dict[str, Any]:
    """What the nominee page shows; the vote views reuse it to show form errors."""
    return {
        "nomination": nomination,
        "round": nomination.round,
        "key_figures": nomination.key_figures.all(),
        "voting_is_open": nomination.round.voting_is_open(),
        "email": "",
        "email_errors": [],
        **extra,
    }


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "nominees/round.html", round_context(PrizeRound.objects.current()))


@require_GET
def round_page(request: HttpRequest, year: int) -> HttpResponse:
    prize_round = get_object_or_404(PrizeRound.objects.published(), year=year)
    return render(request, "nominees/round.html", round_context(prize_round))


@require_GET
def nomination_page(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    nomination = published_nomination(year, slug)
    return render(request, "nominees/nomination.html", nomination_context(nomination))
