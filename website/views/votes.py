"""The vote's public pages: the request for a confirmation e-mail on a nominee's
page, the page that says it is sent, the ballot the e-mail's link opens and
the vote it casts, and the receipt check."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config import pagecache
from config.http import require_http_methods, require_POST, require_safe
from config.links import public_url
from nominees.models import Nomination, PrizeRound
from voting import (
    confirmation,
    identity,
    integrity,
    mail,
    ratelimits,
    receipts,
    services,
    shared_networks,
)
from voting.forms import VoteRequestForm
from voting.models import Vote
from voting.ratelimits import limit_per_ip

from .rounds import nomination_context, published_nomination

EMAILS_TO_ADDRESS_LIMITED = gettext_lazy(
    "Denne e-postadressen har allerede fått så mange e-poster med bekreftelseslenke som vi "
    "sender på kort tid. Vi sender ikke flere nå, så ingen kan fylle innboksen til andre. "
    "Har du fått en lenke, kan du bruke den. Ellers kan du prøve igjen %(when)s."
)

EMAIL_NOT_IN_THIS_ROUND = gettext_lazy(
    "I denne runden stemmer du ved å logge inn med ID-porten, ikke med e-post. Last inn siden "
    "på nytt for å stemme med ID-porten."
)


@require_POST
@limit_per_ip("vote-request", "RATELIMIT_VOTE_REQUEST")
def request_vote(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    """Queue the confirmation e-mail; the vote itself is written only on confirmation."""
    nomination = published_nomination(year, slug)
    if not nomination.round.voting_is_open():
        context = nomination_context(nomination, refusal=nomination.round.phase_in_words())
        return render(request, "website/nomination.html", context, status=403)
    if nomination.round.uses_idporten:
        context = nomination_context(nomination, refusal=EMAIL_NOT_IN_THIS_ROUND)
        return render(request, "website/nomination.html", context, status=403)
    form = VoteRequestForm(request.POST)
    if not form.is_valid():
        context = nomination_context(
            nomination,
            email=request.POST.get("email", ""),
            email_errors=form.errors.get("email", []),
            form_errors=form.honeypot_errors(),
        )
        return render(request, "website/nomination.html", context, status=400)
    address = form.cleaned_data["email"]
    retry_after = ratelimits.emails_to_address_limited(
        request, address, round_id=nomination.round_id
    )
    if retry_after is not None:
        refusal = EMAILS_TO_ADDRESS_LIMITED % {"when": ratelimits.retry_in_words(retry_after)}
        context = nomination_context(nomination, refusal=refusal)
        response = render(request, "website/nomination.html", context, status=429)
        response["Retry-After"] = str(retry_after)
        return response
    token = confirmation.make_token(nomination=nomination, address=address)
    mail.queue_confirmation(
        nomination=nomination,
        address=address,
        confirm_url=public_url(reverse("voting:confirm", args=[token])),
    )
    return redirect("voting:requested", year=year, slug=slug)


@require_safe
@pagecache.cached_page(stale_at=PrizeRound.objects.next_moment)
def vote_requested(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    context = {
        "nomination": published_nomination(year, slug),
        "valid_hours": confirmation.valid_hours(),
    }
    return render(request, "website/requested.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@limit_per_ip("vote-confirm", "RATELIMIT_VOTE_CONFIRM")
def confirm_vote(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the ballot with a button; only the POST from that button votes,
    so mail scanners that follow links cast nothing. The outcome is rendered, not
    redirected to: it holds the receipt, which must stay out of URLs."""
    try:
        ballot = confirmation.read_token(token)
    except confirmation.LinkExpired as expired:
        round_id = (
            Nomination.objects.filter(pk=expired.nomination_id)
            .values_list("round_id", flat=True)
            .first()
        )
        integrity.record(integrity.Event.LINK_EXPIRED, round_id=round_id)
        return outcome(request, "expired", status=410)
    except confirmation.LinkInvalid:
        integrity.record(integrity.Event.LINK_INVALID, round_id=integrity.current_round_id())
        return outcome(request, "invalid", status=400)
    # One cache round trip for the nomination and the page this request shows.
    page = "counted" if request.method == "POST" else "ballot"
    page_key = pagecache.key(page, ballot.nomination_id, request=request)
    shared = pagecache.Shared(pagecache.key("nomination", ballot.nomination_id), page_key)
    nomination = published_nomination_by_pk(ballot.nomination_id, shared=shared)
    if nomination is None:
        integrity.record(integrity.Event.LINK_INVALID, round_id=integrity.current_round_id())
        return outcome(request, "invalid", status=400)
    if request.method != "POST":
        return ballot_page(
            request, nomination, ballot=ballot, token=token, shared=shared, key=page_key
        )
    try:
        vote = services.cast_vote(
            nomination=nomination,
            voter_key=ballot.voter_key,
            email_domain=ballot.email_domain,
            network_hash=identity.network_hash(identity.client_ip(request)),
            # What the rate limit read for this request: no second cache read.
            shared_network_id=shared_networks.of_request(request),
        )
    except services.AlreadyVoted:
        return outcome(request, "already_voted", nomination=nomination, status=409)
    except services.VotingNotOpen as refusal:
        return outcome(request, "not_open", nomination=nomination, message=str(refusal), status=403)
    # The same page for every voter of this nominee but for the receipt and
    # the link's token (in the language switcher's links).
    return pagecache.personalised(
        request,
        shared,
        page_key,
        lambda: outcome(request, "counted", nomination=nomination, receipt=vote.receipt),
        personal={"receipt": vote.receipt, "token": token},
    )


def published_nomination_by_pk(pk: int, *, shared: pagecache.Shared) -> Nomination | None:
    """The public nomination of a link, from ``shared`` when it holds it (see
    published_nomination), or None."""
    return shared.get(
        pagecache.key("nomination", pk),
        lambda: Nomination.objects.published().for_page().filter(pk=pk).first(),
    )


def ballot_page(
    request: HttpRequest,
    nomination: Nomination,
    *,
    ballot: confirmation.Ballot,
    token: str,
    shared: pagecache.Shared,
    key: str,
) -> HttpResponse:
    """The page the link opens: the nominee and the button that votes, or, if
    the link's address has voted in this round already, that it has (not for
    whom), with no button that could only be refused."""
    if not nomination.round.voting_is_open():
        message = nomination.round.phase_in_words()
        return outcome(request, "not_open", nomination=nomination, message=message, status=403)
    if Vote.objects.by_voter(round_id=nomination.round_id, voter_key=ballot.voter_key).exists():
        return outcome(request, "already_voted", nomination=nomination)
    context = {
        "nomination": nomination,
        "round": nomination.round,
        "csrf_token": pagecache.CSRF_PLACEHOLDER,
    }
    # The same page for every voter of this nominee but for the link's token
    # (in the language switcher's links) and the CSRF token.
    return pagecache.personalised(
        request,
        shared,
        key,
        lambda: render(request, "website/confirm.html", context),
        personal={"token": token},
    )


def outcome(request: HttpRequest, result: str, *, status: int = 200, **context) -> HttpResponse:
    titles = {
        "counted": _("Stemmen din er registrert"),
        "already_voted": _("Du har allerede stemt"),
        "expired": _("Lenken er utløpt"),
        "invalid": _("Lenken er ugyldig"),
        "not_open": _("Avstemningen er ikke åpen"),
    }
    context = {
        "result": result,
        "title": titles[result],
        "valid_hours": confirmation.valid_hours(),
        **context,
    }
    if "nomination" in context:
        context["round"] = context["nomination"].round
    return render(request, "website/outcome.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@limit_per_ip("receipt-check", "RATELIMIT_RECEIPT_CHECK")
def receipt_check(request: HttpRequest) -> HttpResponse:
    """Check a receipt against the published count: counted, invalidated, not
    counted yet or unknown, never for whom. The answer is rendered, not
    redirected to, so the code stays out of URLs."""
    if request.method != "POST":
        return render(request, "website/receipt.html", {"form": receipts.ReceiptForm()})
    form = receipts.ReceiptForm(request.POST)
    if not form.is_valid():
        return render(request, "website/receipt.html", {"form": form}, status=400)
    check = receipts.check_receipt(form.cleaned_data["receipt"])
    return render(request, "website/receipt_outcome.html", {"check": check, "round": check.round})
