"""A round's vote counts as open data files (voting.opendata says what and
when), at one address per file whatever the visitor's language, CSV or JSON.

The licence: the JSON names it and the source in its own fields; a CSV file
holds only its header row and its rows, which any CSV reader takes as they
are, and its response names the licence in a Link header (rel="license"), as
the results page does in words. Both answer a page on any site (CORS): the
counts are public."""

import csv
import functools
import json
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation

from config import pagecache
from config.http import require_safe
from nominees.models import PrizeRound
from voting import opendata

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


class FormatConverter:
    regex = "csv|json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def open_data_file(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The headers every file gets, cached or not; and one cached copy for
    all visitors, in no language of theirs (the files have no words to translate)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *, year: int, format: str, **kwargs) -> HttpResponse:
        with translation.override(settings.LANGUAGE_CODE):
            response = view(request, year=year, format=format, **kwargs)
        other = "json" if format == "csv" else "csv"
        other_url = reverse(
            request.resolver_match.view_name, kwargs={"year": year, "format": other}
        )
        response["Link"] = (
            f'<{opendata.LICENCE_URL}>; rel="license", '
            f'<{other_url}>; rel="alternate"; type="{FORMATS[other].split(";")[0]}"'
        )
        response["Access-Control-Allow-Origin"] = "*"
        response["Content-Disposition"] = (
            f'inline; filename="imdi-{year}-{request.path.rsplit("/", 1)[-1]}"'
        )
        return response

    return wrapped


def as_file(table: opendata.Table | None, format: str) -> HttpResponse:
    if table is None:
        raise Http404("No open data for this round now.")
    response = HttpResponse(content_type=FORMATS[format])
    if format == "csv":
        writer = csv.writer(response)
        writer.writerow(table.columns)
        writer.writerows(table.rows)
        return response
    counted = table.tally
    document = {
        "round": table.year,
        "source": table.source,
        "licence": {"name": opendata.LICENCE_NAME, "url": opendata.LICENCE_URL},
        # "counted": the published count; "running": the valid votes so far, while voting is open.
        "status": "running" if counted is None else "counted",
        "as_of": timezone.localtime(table.as_of).isoformat(timespec="minutes"),
        "tally_digest": counted.digest if counted else None,
        "valid_votes": sum(row[table.columns.index("valid_votes")] for row in table.rows),
        "rows": [dict(zip(table.columns, row, strict=True)) for row in table.rows],
    }
    response.write(json.dumps(document, ensure_ascii=False, indent=2, default=str))
    return response


# The tables, by the name of their addresses.
TABLES = {
    "votes_per_nominee": opendata.votes_per_nominee,
    "votes_per_day": opendata.votes_per_day,
}


@require_safe
@open_data_file
@pagecache.cached_page(stale_at=PrizeRound.objects.next_moment)
def table_file(request: HttpRequest, *, year: int, format: str, table: str) -> HttpResponse:
    prize_round = get_object_or_404(PrizeRound.objects.published(), year=year)
    return as_file(TABLES[table](prize_round), format)
