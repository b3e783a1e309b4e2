"""The vote of a round whose voters confirm by ID-porten: the start of the
login (a POST from the nominee's page), the provider's answer (the callback),
and the return from the logout that ends the ID-porten session, which opens
the same ballot page an e-mail's link opens (voting:confirm). The vote itself
is cast there, by its button, as in every round."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language, gettext_lazy
from django.views.decorators.cache import never_cache

from config.http import require_POST, require_safe
from nominees.models import Nomination
from voting import confirmation, idporten
from voting.idporten import Failure
from voting.ratelimits import limit_per_ip

from .rounds import nomination_context, published_nomination

# What each failure answers: its status, title and explanation.
FAILURES = {
    Failure.NOT_THIS_LOGIN: (
        400,
        gettext_lazy("Innloggingen kunne ikke fullføres"),
        gettext_lazy(
            "Svaret fra ID-porten hører ikke til en innlogging som ble startet her, eller "
            "innloggingen er allerede brukt eller for gammel. Stemmen er ikke registrert. "
            "Start på nytt fra siden til kommunen du vil stemme på."
        ),
    ),
    Failure.CANCELLED: (
        403,
        gettext_lazy("Innloggingen ble avbrutt"),
        gettext_lazy(
            "Du avbrøt innloggingen i ID-porten, så stemmen er ikke registrert. Du kan "
            "starte på nytt når du vil, så lenge avstemningen er åpen."
        ),
    ),
    Failure.TOO_LOW_LEVEL: (
        403,
        gettext_lazy("Sikkerhetsnivået er for lavt"),
        gettext_lazy(
            "Denne avstemningen krever innlogging på sikkerhetsnivå betydelig eller høyt, og "
            "du logget inn på et lavere nivå. Stemmen er ikke registrert. Logg inn igjen med "
            "MinID, BankID, Buypass ID eller Commfides."
        ),
    ),
    Failure.UNAVAILABLE: (
        503,
        gettext_lazy("ID-porten svarer ikke"),
        gettext_lazy(
            "Vi får ikke kontakt med ID-porten akkurat nå, så du kan ikke logge inn. "
            "Stemmen er ikke registrert. Prøv igjen om litt."
        ),
    ),
    Failure.INVALID_ANSWER: (
        502,
        gettext_lazy("Innloggingen kunne ikke kontrolleres"),
        gettext_lazy(
            "Svaret fra ID-porten holdt ikke kontrollen vår, så vi kan ikke bruke "
            "innloggingen. Stemmen er ikke registrert. Prøv igjen om litt."
        ),
    ),
}

NOT_THIS_ROUND = gettext_lazy(
    "Denne runden bruker ikke ID-porten: du stemmer ved å skrive inn e-postadressen din på "
    "siden til kommunen. Last inn siden på nytt for å se skjemaet."
)
NOT_AVAILABLE = gettext_lazy(
    "Innlogging med ID-porten er ikke tilgjengelig akkurat nå, så du kan ikke stemme her. "
    "Prøv igjen senere."
)


@require_POST
@limit_per_ip("vote-idporten", "RATELIMIT_VOTE_REQUEST")
def start_login(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    """Send the voter to ID-porten to log in; nothing is written but the login's state."""
    nomination = published_nomination(year, slug)
    prize_round = nomination.round
    refusal, status = None, 403
    if not prize_round.voting_is_open():
        refusal = prize_round.phase_in_words()
    elif not prize_round.uses_idporten:
        refusal = NOT_THIS_ROUND
    elif not idporten.configured():
        refusal, status = NOT_AVAILABLE, 503
    if refusal is not None:
        context = nomination_context(nomination, refusal=refusal)
        return render(request, "website/nomination.html", context, status=status)
    try:
        url = idporten.Client().authorization_url(
            request, nomination_id=nomination.pk, language=get_language()
        )
    except idporten.LoginFailed as failed:
        return login_failed(request, failed, nomination=nomination)
    return redirect(url)


@never_cache
@require_safe
def callback(request: HttpRequest) -> HttpResponse:
    """ID-porten's answer: the login checked and turned into the sealed ballot,
    then straight on to the logout at ID-porten, with the ballot waiting in the
    session."""
    if not idporten.configured():
        raise Http404
    client = idporten.Client()
    try:
        login = client.finish(request)
        nomination = Nomination.objects.published().filter(pk=login.nomination_id).first()
        if nomination is None:
            raise idporten.LoginFailed(Failure.NOT_THIS_LOGIN, language=login.language)
        ballot_token = confirmation.ballot_token(
            nomination=nomination, voter_key=login.voter_key, email_domain=""
        )
        url = client.end_session_url(
            request, id_token=login.id_token, ballot_token=ballot_token, language=login.language
        )
    except idporten.LoginFailed as failed:
        return login_failed(request, failed)
    return redirect(url)


@never_cache
@require_safe
def logged_out(request: HttpRequest) -> HttpResponse:
    """Back from ID-porten's logout: on to the ballot, in the voter's language."""
    if not idporten.configured():
        raise Http404
    try:
        done = idporten.Client().logged_out(request)
    except idporten.LoginFailed as failed:
        return login_failed(request, failed)
    with translation.override(done.language):
        return redirect(reverse("voting:confirm", args=[done.ballot_token]))


def login_failed(
    request: HttpRequest, failed: idporten.LoginFailed, *, nomination: Nomination | None = None
) -> HttpResponse:
    """The failure's page in the language the login was started in (else the
    visitor's), with the way back to the nominee when it is known."""
    status, title, message = FAILURES[failed.failure]
    if nomination is None and failed.nomination_id is not None:
        nomination = Nomination.objects.published().filter(pk=failed.nomination_id).first()
    with translation.override(failed.language or get_language()):
        context = {"title": title, "message": message, "nomination": nomination}
        if nomination is not None:
            context["round"] = nomination.round
        response = render(request, "website/idporten_failed.html", context, status=status)
    if status == 503:
        response["Retry-After"] = "60"
    return response
