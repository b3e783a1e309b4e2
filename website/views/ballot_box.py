"""The published ballot box of a round, as JSON (the file whose SHA-256 is the
digest on the results page) and as CSV for spreadsheets, at addresses with no
language in them: the file is the same in every language. Each is there from
the finalists' announcement in rounds that publish their vote counts, and is
404 before and otherwise, as the results page says. Beside them the script
that recounts a ballot box, scripts/verify_count.py."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import condition

from config.http import require_safe
from nominees.models import PrizeRound
from voting import ballot_box, results
from voting.models import BallotBox, Tally


def published_tally(year: int) -> Tally:
    """The tally whose ballot box the public may download now, or 404."""
    prize_round = get_object_or_404(PrizeRound.objects.published(), year=year)
    result = results.for_round(prize_round)
    if not result.ballot_box:
        raise Http404
    return result.tally


def weak_etag(request: HttpRequest, year: int) -> str | None:
    """The digest names the file's content; weak, since the same content goes
    out gzipped to some clients and plain to others."""
    try:
        return f'W/"{published_tally(year).digest}"'
    except Http404:
        return None


def download(content: bytes, *, filename: str, content_type: str, gzipped: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    if gzipped:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A recount replaces the file at the same address: a cache may keep it,
    # but asks (by the ETag) whether it is still the one before using it.
    patch_cache_control(response, public=True, no_cache=True)
    return response


def takes_gzip(request: HttpRequest) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


VERIFIER = settings.BASE_DIR / "scripts" / "verify_count.py"


@require_safe
def verifier(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(VERIFIER.read_bytes(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verify_count.py"'
    return response


@require_safe
@condition(etag_func=weak_etag)
def ballot_box_json(request: HttpRequest, year: int) -> HttpResponse:
    box = BallotBox.objects.get(tally=published_tally(year))
    gzipped = takes_gzip(request)
    return download(
        bytes(box.gzipped) if gzipped else box.content(),
        filename=f"ballot-box-{year}.json",
        content_type="application/json; charset=utf-8",
        gzipped=gzipped,
    )


@require_safe
@condition(etag_func=weak_etag)
def ballot_box_csv(request: HttpRequest, year: int) -> HttpResponse:
    tally = published_tally(year)
    names = {entry.municipality_number: entry.municipality_name for entry in tally.entries.all()}
    rows = ballot_box.as_csv(BallotBox.objects.get(tally=tally).content(), names=names)
    return download(
        rows.encode(),
        filename=f"ballot-box-{year}.csv",
        content_type="text/csv; charset=utf-8; header=present",
        gzipped=False,
    )
