"""The audit trail: Django's admin log, readable under "Recent actions" and in
each object's history, so every count, invalidation, tie resolution, jury
decision and change of the shared networks says who, when, what and why.
Also written to the "voting.audit" logger, which keeps the trace when nobody
is logged in (a shell, a command).

Messages are written in bokmål, the agency's language, whatever language the
person acting reads the admin in: the trail is a record, not an interface."""

import logging

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router
from django.db.models import (
    DateTimeField,
    F,
    PositiveSmallIntegerField,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Cast
from django.utils import timezone

logger = logging.getLogger("voting.audit")

# The lines that tell something of a round's result: a count's totals and
# digest, invalidations and their reasons, who went through a tie. They are
# logged on the round's RoundResult, not on the round, so the round's history
# shows them only to those who may see tallies (voting.admin.rounds).
COUNTED = "Talt opp: {valid} gyldige, {invalidated} ugyldiggjorte, kontrollsum {digest}"
VOTES_INVALIDATED = "Stemmer ugyldiggjort: {count}. Grunn: {reason}"
TIE_RESOLVED = "Likt resultat avgjort: {names} går videre. Begrunnelse: {reason}"
# A change to what the vote had fixed, by someone allowed to correct it
# (voting.services.changes): each field before and after, and why.
CORRECTED = "Rettet etter at det var låst: {changes}. Grunn: {reason}"
# Staff had the given-up confirmation e-mails of a round sent again (voting.mail).
EMAILS_RETRIED = "Bekreftelses-e-poster som var gitt opp, sendt på nytt: {count}"
# The address ranges whose per-IP limits are higher (voting.services.networks).
NETWORK_ADDED = "Delt nettverk lagt til: {network}, gjelder {period}. Grunn: {reason}"
NETWORK_CHANGED = "Delt nettverk endret: {changes}. Grunn: {reason}"
NETWORK_DELETED = "Delt nettverk slettet: {network}, gjaldt {period}. Grunn: {reason}"


def audit(user, objects, message: str, *, action_flag: int = CHANGE) -> None:
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
        action_flag=action_flag,
        change_message=message,
        single_object=len(objects) == 1,
    )


def audit_each(user, rows: QuerySet, message: str, *, object_repr: str) -> None:
    """The admin-log entry ``audit`` writes for each object, for each row of
    ``rows``, written by the database in one INSERT … SELECT: Django has no
    INSERT … SELECT, and its ``log_actions`` builds an object per row, which
    for 100,000 votes takes longer than the rest of their invalidation.
    ``object_repr`` is the field ``str()`` of a row shows. As in ``audit``,
    nothing goes to the admin log without a user; the logger line is the
    caller's (one for the whole change, not one per row)."""
    if user is None or user.pk is None:
        return
    # Annotations only, in the admin log's column order, so the SELECT lists
    # exactly these.
    entries = (
        rows.order_by()
        .annotate(
            log_action_time=Value(timezone.now(), output_field=DateTimeField()),
            log_user_id=Value(user.pk),
            log_content_type_id=Value(ContentType.objects.get_for_model(rows.model).pk),
            log_object_id=Cast("pk", output_field=TextField()),
            log_object_repr=F(object_repr),
            log_action_flag=Value(CHANGE, output_field=PositiveSmallIntegerField()),
            log_change_message=Value(message, output_field=TextField()),
        )
        .values_list(
            "log_action_time",
            "log_user_id",
            "log_content_type_id",
            "log_object_id",
            "log_object_repr",
            "log_action_flag",
            "log_change_message",
        )
    )
    select, params = entries.query.sql_with_params()
    columns = ", ".join(
        LogEntry._meta.get_field(name).column
        for name in [
            "action_time",
            "user",
            "content_type",
            "object_id",
            "object_repr",
            "action_flag",
            "change_message",
        ]
    )
    with connections[router.db_for_write(LogEntry)].cursor() as cursor:
        cursor.execute(f"INSERT INTO {LogEntry._meta.db_table} ({columns}) {select}", params)
