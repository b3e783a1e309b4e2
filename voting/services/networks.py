"""Shared networks: the address ranges staff allow-list (a town hall, a
school), each with a reason and an end, so that many voters behind one
address are not stopped by the per-IP limits. Each addition, change and
deletion is written to the audit trail, who, when, what and why, and, once
committed, to the cache the rate limits read (voting.shared_networks)."""

from datetime import datetime

from django.contrib.admin.models import ADDITION, DELETION
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from .. import shared_networks
from ..audit import NETWORK_ADDED, NETWORK_CHANGED, NETWORK_DELETED, audit
from ..models import SharedNetwork
from .changes import before_and_after, differences, shown

# What a change may touch; who added the range and when stays.
EDITABLE = ("network", "name", "reason", "starts_at", "ends_at")
NETWORK_CHANGE_NEEDS_REASON = gettext_lazy("Skriv hvorfor det delte nettverket endres.")
NETWORK_DELETION_NEEDS_REASON = gettext_lazy("Skriv hvorfor det delte nettverket slettes.")
MARKED_VOTES_STAY = gettext_lazy(
    "Stemmer er merket med dette delte nettverket, så det kan ikke slettes: "
    "gjennomgangen av stemmene trenger det. Sett sluttidspunktet til nå for å avslutte det."
)


class NetworkRefused(Exception):
    pass


@transaction.atomic
def save_shared_network(
    *, network: SharedNetwork, saved_by=None, reason: str = "", at: datetime | None = None
) -> SharedNetwork:
    """Add ``network`` (its own reason is why), or save a change to it, which
    needs ``reason``: why it changed. Refused with NetworkRefused if the range
    is not valid (too wide, an end that has passed or is more than 60 days
    after its start, no reason)."""
    at = at or timezone.now()
    stored = SharedNetwork.objects.select_for_update().filter(pk=network.pk).first()
    if stored is None:
        network.created_by, network.created_at = saved_by, at
    checked(network)
    if stored is None:
        network.save(force_insert=True)
        audit(
            saved_by,
            [network],
            NETWORK_ADDED.format(
                network=network, period=period(network), reason=network.reason.strip()
            ),
            action_flag=ADDITION,
        )
    else:
        changed = [name for name in differences(stored, network) if name in EDITABLE]
        if changed and not reason.strip():
            raise NetworkRefused(str(NETWORK_CHANGE_NEEDS_REASON))
        network.save(update_fields=EDITABLE)
        if changed:
            changes = "; ".join(before_and_after(stored, network, name) for name in changed)
            audit(
                saved_by, [network], NETWORK_CHANGED.format(changes=changes, reason=reason.strip())
            )
    transaction.on_commit(shared_networks.refresh)
    return network


@transaction.atomic
def delete_shared_network(
    *, network: SharedNetwork, deleted_by=None, reason: str, at: datetime | None = None
) -> None:
    """Delete a range no vote is marked with, saying why. A range votes came
    from stays, for the fraud review: ending it is a change of its end."""
    network = SharedNetwork.objects.select_for_update().get(pk=network.pk)
    if not reason.strip():
        raise NetworkRefused(str(NETWORK_DELETION_NEEDS_REASON))
    if network.votes.exists():
        raise NetworkRefused(str(MARKED_VOTES_STAY))
    audit(
        deleted_by,
        [network],
        NETWORK_DELETED.format(network=network, period=period(network), reason=reason.strip()),
        action_flag=DELETION,
    )
    network.delete()
    transaction.on_commit(shared_networks.refresh)


def checked(network: SharedNetwork) -> None:
    try:
        network.full_clean(exclude=["created_by"])
    except ValidationError as error:
        raise NetworkRefused(" ".join(error.messages)) from None


def period(network: SharedNetwork) -> str:
    """When the range applies, for the audit trail, in bokmål like the rest of it."""
    with translation.override("nb"):
        return f"{shown(network.starts_at)}–{shown(network.ends_at)}"
