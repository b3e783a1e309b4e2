"""The audit trail: Django's admin log, readable under "Recent actions" and in
each object's history, so every count, invalidation, tie resolution and jury
decision says who, when, what and why. Also written to the "voting.audit"
logger, which keeps the trace when nobody is logged in (a shell, a command).

Messages are written in bokmål, the agency's language, whatever language the
person acting reads the admin in: the trail is a record, not an interface."""

import logging

from django.contrib.admin.models import CHANGE, LogEntry
from django.db.models import Q

logger = logging.getLogger("voting.audit")

# The lines on a round that tell something of its result: a count's totals
# and digest, invalidations and their reasons, who went through a tie. The
# round's history shows them only to those who may see tallies, and finds them
# by the text before each message's first field, so rewording a message here
# keeps it hidden.
COUNTED = "Talt opp: {valid} gyldige, {invalidated} ugyldiggjorte, kontrollsum {digest}"
VOTES_INVALIDATED = "Stemmer ugyldiggjort: {count}. Grunn: {reason}"
TIE_RESOLVED = "Likt resultat avgjort: {names} går videre. Begrunnelse: {reason}"
ABOUT_THE_RESULT = (COUNTED, VOTES_INVALIDATED, TIE_RESOLVED)
# Staff had the given-up confirmation e-mails of a round sent again (voting.mail).
EMAILS_RETRIED = "Bekreftelses-e-poster som var gitt opp, sendt på nytt: {count}"


def about_the_result() -> Q:
    """LogEntry rows whose message tells something of a round's result."""
    condition = Q()
    for message in ABOUT_THE_RESULT:
        condition |= Q(change_message__startswith=message.split("{", 1)[0])
    return condition


def audit(user, objects, message: str) -> None:
    objects = list(objects)
    logger.info(
        "%s by %s on %s",
        message,
        getattr(user, "username", None) or "nobody",
        ", ".join(f"{type(obj).__name__} {obj.pk}" for obj in objects),
    )
    if user is None or user.pk is None:
        return
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=objects,
        action_flag=CHANGE,
        change_message=message,
        single_object=len(objects) == 1,
    )
