"""The rounds' public pages: the current round, a round by its year, a
nominee's page, and the archive of every round's result."""

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from csp.decorators import csp_update
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext

from config import pagecache
from config.http import require_safe
from nominees import order
from nominees.models import Nomination, PrizeRound
from voting import idporten, opendata, results


def round_context(
    request: HttpRequest, prize_round: PrizeRound | None, *, at: datetime
) -> dict[str, Any]:
    if prize_round is None:
        return {"round": None, "nominations": []}
    result = results.for_round(prize_round, at=at, with_report=True)
    nominations, shuffled = nominee_list(request, prize_round, at=at)
    return {
        "round": prize_round,
        "nominations": nominations,
        "nominees_shuffled": shuffled,
        "voting_is_open": prize_round.voting_is_open(at),
        "result": result,
        "open_data": opendata.published(prize_round, at=at, tally=result.tally),
    }


def nominee_list(
    request: HttpRequest, prize_round: PrizeRound, *, at: datetime
) -> tuple[list, bool]:
    """The round's nominations in its fixed order, or, while its vote is open
    and it says so, in one of their fair orders, a page variant of its own;
    and whether they are shuffled."""
    nominations = list(prize_round.nominations.for_page())
    if not prize_round.shows_nominees_shuffled(at) or len(nominations) < 2:
        return nominations, False
    return order.arranged(nominations, pagecache.variant(request, of=len(nominations))), True


def published_nomination(year: int, slug: str) -> Nomination:
    """The public nomination with what its page shows, or 404. From the shared
    cache when it holds this version of it, so a vote request reads no row for
    it: a round once public stays public until it is edited, and an edit makes
    every shared value stale. The phase is worked out at each request."""
    key = pagecache.key("nomination", year, slug)
    return pagecache.Shared(key).get(
        key,
        lambda: get_object_or_404(
            Nomination.objects.published(timezone.now()).for_page(),
            round__year=year,
            municipality__slug=slug,
        ),
    )


def nomination_context(nomination: Nomination, **extra: Any) -> dict[str, Any]:
    """What the nominee page shows; the vote views reuse it to show form errors."""
    return {
        "nomination": nomination,
        "round": nomination.round,
        "standing": results.for_round(nomination.round).standing(nomination),
        "key_figures": nomination.key_figures.all(),
        "voting_is_open": nomination.round.voting_is_open(),
        "email": "",
        "email_errors": [],
        "idporten_available": idporten.configured(),
        **extra,
    }


@require_safe
@pagecache.cached_page(stale_at=PrizeRound.objects.next_moment)
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    context = round_context(request, PrizeRound.objects.current(now), at=now)
    return render(request, "website/round.html", context)


@require_safe
@pagecache.cached_page(stale_at=PrizeRound.objects.next_moment)
def round_page(request: HttpRequest, year: int) -> HttpResponse:
    now = timezone.now()
    prize_round = get_object_or_404(PrizeRound.objects.published(now), year=year)
    return render(request, "website/round.html", round_context(request, prize_round, at=now))


def lets_forms_lead_to_idporten(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The page's form-action allows ID-porten's login, where the button of an
    ID-porten round leads (voting.idporten.form_action_origins)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        origins = idporten.form_action_origins()
        if origins:
            view_ = csp_update({"form-action": origins})(view)
            return view_(request, *args, **kwargs)
        return view(request, *args, **kwargs)

    return wrapped


@require_safe
@lets_forms_lead_to_idporten
@pagecache.cached_page(stale_at=PrizeRound.objects.next_moment)
def nomination_page(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    nomination = published_nomination(year, slug)
    context = {**nomination_context(nomination), **pagecache.csrf_context(request)}
    return render(request, "website/nomination.html", context)


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
