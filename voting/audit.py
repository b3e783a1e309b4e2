"""The audit trail: Django's admin log, readable under "Recent actions" and in
each object's history, so every count, invalidation, tie resolution and jury
decision says who, when, what and why. Also written to the "voting.audit"
logger, which keeps the trace when nobody is logged in (a shell, a command).

Messages are written in bokmål, the agency's language, whatever language the
person acting reads the admin in: the trail is a record, not an interface."""

import logging

from django.contrib.admin.models import CHANGE, LogEntry

logger = logging.getLogger("voting.audit")


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
