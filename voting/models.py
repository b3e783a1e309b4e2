import gzip
import ipaddress
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from nominees.models import Nomination, PrizeRound

from .tally import Place, Ranking


def staff_member(verbose_name: str) -> models.ForeignKey:
    """Who did something to a row: kept even if the account is later deactivated."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )


class VoteQuerySet(models.QuerySet):
    def valid(self) -> "VoteQuerySet":
        return self.filter(status=Vote.Status.VALID)

    def by_voter(self, *, round_id: int, voter_key: str) -> "VoteQuerySet":
        """The voter's vote in the round, if any (one at most: the unique constraint)."""
        return self.filter(round_id=round_id, voter_key=voter_key)


class Vote(models.Model):
    """One confirmed vote. Written only by ``voting.services``."""

    class Status(models.TextChoices):
        VALID = "valid", _("gyldig")
        INVALIDATED = "invalidated", _("ugyldiggjort")

    class Category(models.TextChoices):
        """What kind of reason invalidated a vote: the public ballot box tells
        only this, never the reason's own words, which are staff's."""

        SAME_MAILBOX = "same_mailbox", _("Samme postkasse under flere adresser")
        AUTOMATED = "automated", _("Automatisert eller skriptet stemmegivning")
        DISPOSABLE = "disposable", _("E-postadresse for engangsbruk")
        OTHER = "other", _("Annet")

    round = models.ForeignKey(
        PrizeRound, on_delete=models.PROTECT, related_name="votes", verbose_name=_("runde")
    )
    nomination = models.ForeignKey(
        Nomination, on_delete=models.PROTECT, related_name="votes", verbose_name=_("nominasjon")
    )
    # HMAC-SHA256 under VOTE_HASH_SECRET of the canonical e-mail address, or
    # in an ID-porten round of the national identity number (voting.identity);
    # neither is ever stored. This, the network hash and the e-mail
    # domain are emptied by purge_vote_metadata once the round is decided.
    voter_key = models.CharField(_("velgernøkkel"), max_length=64)
    receipt = models.CharField(_("kvittering"), max_length=12, unique=True)
    # The receipt's line in the published ballot box is found by this one-way
    # hash (voting.ballot_box.receipt_hash); kept from the moment the vote is
    # cast, so a count of millions of votes hashes none.
    receipt_hash = models.CharField(_("kvitteringens hash"), max_length=64, editable=False)
    cast_at = models.DateTimeField(_("avgitt"))
    # Empty for a vote confirmed by ID-porten login, which has no address.
    email_domain = models.CharField(_("e-postdomene"), max_length=255, blank=True)
    network_hash = models.CharField(_("nettverksnøkkel"), max_length=64)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.VALID
    )
    invalidated_reason = models.TextField(_("grunn til ugyldiggjøring"), blank=True)
    # A database default too, so rows written by SQL alone (tests' and the
    # benchmark's generated votes) are valid votes without naming it.
    invalidated_category = models.CharField(
        _("type grunn"),
        max_length=20,
        choices=Category.choices,
        blank=True,
        default="",
        db_default="",
    )
    invalidated_by = staff_member(_("ugyldiggjort av"))
    invalidated_at = models.DateTimeField(_("ugyldiggjort"), null=True, blank=True)
    # The allow-listed range the vote was cast from, for the fraud review. A
    # range many people share tells nobody who voted, so the purge keeps it.
    shared_network = models.ForeignKey(
        "SharedNetwork",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="votes",
        db_index=False,
        verbose_name=_("delt nettverk"),
    )

    objects = VoteQuerySet.as_manager()

    class Meta:
        ordering = ["-cast_at"]
        verbose_name = _("stemme")
        verbose_name_plural = _("stemmer")
        permissions = [("invalidate_vote", _("Kan ugyldiggjøre stemmer"))]
        constraints = [
            # One person, one vote, guaranteed by the database. Purged votes
            # (an empty key, see purge_vote_metadata) no longer say who voted.
            models.UniqueConstraint(
                fields=["round", "voter_key"],
                condition=~Q(voter_key=""),
                name="vote_once_per_round",
            ),
            models.CheckConstraint(
                condition=Q(
                    status="valid",
                    invalidated_reason="",
                    invalidated_category="",
                    invalidated_at__isnull=True,
                    invalidated_by__isnull=True,
                )
                | Q(status="invalidated", invalidated_at__isnull=False)
                & ~Q(invalidated_reason="")
                & ~Q(invalidated_category=""),
                name="vote_invalidation_is_complete",
            ),
        ]
        indexes = [
            # Only the marked votes: an unmarked vote's insert maintains no index more.
            models.Index(
                fields=["shared_network"],
                condition=Q(shared_network__isnull=False),
                name="vote_shared_network",
            ),
        ]

    def __str__(self) -> str:
        return self.receipt


class Tally(models.Model):
    """A frozen count of a closed round. Written only by ``voting.services``;
    a recount makes a new one."""

    round = models.ForeignKey(
        PrizeRound, on_delete=models.PROTECT, related_name="tallies", verbose_name=_("runde")
    )
    counted_at = models.DateTimeField(_("telt"))
    counted_by = staff_member(_("telt av"))
    valid_votes = models.PositiveIntegerField(_("gyldige stemmer"))
    invalidated_votes = models.PositiveIntegerField(_("ugyldiggjorte stemmer"))
    # The round's finalist_count as it was at the count. The round's can be
    # corrected later (voting.services.changes) and a recount may follow; this
    # tally's tie and empty seats stay those of the seats it was counted for.
    seats = models.PositiveSmallIntegerField(_("antall finalister"))
    # SHA-256 of the count's ballot box (voting.ballot_box): every vote's line
    # and the rules, in bytes that a recount of the same votes writes again.
    # Tallies from before the ballot box digested "receipt:nomination id"
    # lines of the counted votes and have no ballot box.
    digest = models.CharField(_("kontrollsum (SHA-256)"), max_length=64)
    # The rules the round was counted under, as in its ballot box.
    rules = models.JSONField(_("regler"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-counted_at", "-pk"]
        verbose_name = _("opptelling")
        verbose_name_plural = _("opptellinger")
        permissions = [
            ("count_votes", _("Kan telle opp stemmer")),
            ("export_tally", _("Kan eksportere opptellinger som CSV")),
            # The one way past what the vote has fixed (voting.services.changes):
            # superusers have it, no role does.
            ("correct_result", _("Kan rette et låst resultat, med en begrunnelse")),
        ]

    def __str__(self) -> str:
        return f"{self.round.year}: {self.digest[:12]}"

    @property
    def rules_fixed_at(self) -> datetime | None:
        """When the rules it was counted under were fixed: voting opened."""
        return datetime.fromisoformat(self.rules["fixed_at"]) if self.rules else None

    @property
    def has_tie_at_cut(self) -> bool:
        return any(entry.tied_at_cut for entry in self.entries.all())

    @property
    def resolution(self) -> "TieResolution | None":
        try:
            return self.tie_resolution
        except TieResolution.DoesNotExist:
            return None

    @property
    def is_settled(self) -> bool:
        """Finalists may be published: no tie crosses the cut, or staff resolved it."""
        return not self.has_tie_at_cut or self.resolution is not None

    def finalist_ids(self) -> set[int]:
        """The finalists: those the count made, plus those a tie resolution let through."""
        chosen = {entry.nomination_id for entry in self.entries.all() if entry.finalist}
        if self.resolution is not None:
            chosen |= {nomination.pk for nomination in self.resolution.nominations.all()}
        return chosen

    def tied_entries(self) -> list["TallyEntry"]:
        return [entry for entry in self.entries.all() if entry.tied_at_cut]

    def ranking(self) -> Ranking:
        """The tally's places, as counted, under the rule of voting.tally, which
        says what of its seats the finalists, a tie at the cut and a shortfall take."""
        return Ranking(
            places=tuple(
                Place(
                    nomination_id=entry.nomination_id,
                    votes=entry.votes,
                    rank=entry.rank,
                    finalist=entry.finalist,
                    tied_at_cut=entry.tied_at_cut,
                )
                for entry in self.entries.all()
            ),
            seats=self.seats,
        )

    @property
    def seats_in_tie(self) -> int:
        return self.ranking().seats_in_tie

    @property
    def shortfall(self) -> int:
        return self.ranking().shortfall

    def shortfall_in_words(self) -> str:
        """What staff are told when seats are left empty, or "" if none are."""
        ranking = self.ranking()
        if not ranking.shortfall:
            return ""
        filled = len(ranking.finalists)
        if not filled:
            return gettext("Ingen finalistplasser kunne fylles: ingen nominasjon fikk stemmer.")
        return ngettext(
            "Bare %(filled)d av %(seats)d finalistplasser kunne fylles: bare %(filled)d "
            "nominasjon fikk stemmer.",
            "Bare %(filled)d av %(seats)d finalistplasser kunne fylles: bare %(filled)d "
            "nominasjoner fikk stemmer.",
            filled,
        ) % {"filled": filled, "seats": self.seats}


class BallotBox(models.Model):
    """A tally's file: one line for every vote of the round, the rules and the
    result, in the bytes whose SHA-256 is the tally's digest (voting.ballot_box).
    Published from the finalists' announcement in rounds that publish their
    vote counts. Written only by ``voting.services``, with its tally."""

    tally = models.OneToOneField(
        Tally,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="ballot_box",
        verbose_name=_("opptelling"),
    )
    # The file in gzip: a quarter of its size, served as it is to the
    # browsers that take gzip (all do), unpacked for the rest.
    gzipped = models.BinaryField(_("innhold (gzip)"))

    class Meta:
        verbose_name = _("stemmeurne")
        verbose_name_plural = _("stemmeurner")
        # Public once the finalists are announced, downloaded from the site,
        # never edited: no permissions of its own for a role to hold.
        default_permissions = ()

    def __str__(self) -> str:
        return str(self.tally)

    def content(self) -> bytes:
        """The file itself, whose SHA-256 is the tally's digest."""
        return gzip.decompress(self.gzipped)


class RoundResult(PrizeRound):
    """A round as the subject of its result's lines in the admin log: the
    count, the votes invalidated and a tie's resolution (voting.services). Kept
    apart from the round's own lines by their content type, so the round's
    history shows them to those who may see tallies, and to nobody else."""

    class Meta:
        proxy = True
        verbose_name = _("resultat av prisrunde")
        verbose_name_plural = _("resultater av prisrunder")
        # Who may see a result is who may see tallies (voting.view_tally): no
        # permission of its own for a role to miss.
        default_permissions = ()


class TallyEntry(models.Model):
    """One nomination's place in a tally. The municipality's name and number
    are kept as they were at the count, so the tally, its CSV and the public
    result read as counted whatever later happens to the rows."""

    tally = models.ForeignKey(Tally, on_delete=models.CASCADE, related_name="entries")
    nomination = models.ForeignKey(
        Nomination, on_delete=models.PROTECT, related_name="+", verbose_name=_("nominasjon")
    )
    municipality_name = models.CharField(_("kommune"), max_length=100)
    municipality_number = models.CharField(_("kommunenummer"), max_length=4)
    votes = models.PositiveIntegerField(_("stemmer"))
    rank = models.PositiveSmallIntegerField(_("plass"))
    finalist = models.BooleanField(_("finalist"))
    tied_at_cut = models.BooleanField(_("likt ved grensen"))

    class Meta:
        ordering = ["rank", "nomination_id"]
        verbose_name = _("resultat")
        verbose_name_plural = _("resultater")
        constraints = [
            models.UniqueConstraint(fields=["tally", "nomination"], name="tally_entry_once"),
            models.CheckConstraint(
                condition=~Q(finalist=True, tied_at_cut=True), name="tally_entry_finalist_or_tied"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_name}: {self.votes}"


class TieResolution(models.Model):
    """Staff's decision of which tied nominations go through, and why.
    Written only by ``voting.services``."""

    tally = models.OneToOneField(
        Tally,
        on_delete=models.PROTECT,
        related_name="tie_resolution",
        verbose_name=_("opptelling"),
    )
    nominations = models.ManyToManyField(
        Nomination, related_name="+", verbose_name=_("nominasjoner som går videre")
    )
    reason = models.TextField(_("begrunnelse"))
    resolved_by = staff_member(_("avgjort av"))
    resolved_at = models.DateTimeField(_("avgjort"))

    class Meta:
        verbose_name = _("avgjørelse av likt resultat")
        verbose_name_plural = _("avgjørelser av likt resultat")

    def __str__(self) -> str:
        return str(self.tally)


class IntegrityCounts(models.Model):
    """What happened around a round's votes, as plain counts with nothing
    personal in them. Only ``voting.integrity`` writes here, with atomic
    increments. Votes confirmed are counted from the vote rows, less the
    loaded ones (``voting.integrity.counters``)."""

    round = models.OneToOneField(
        PrizeRound, on_delete=models.CASCADE, related_name="integrity", verbose_name=_("runde")
    )
    emails_sent = models.PositiveIntegerField(_("bekreftelses-e-poster sendt"), default=0)
    repeats_refused = models.PositiveIntegerField(_("gjentatte forsøk avvist"), default=0)
    links_expired = models.PositiveIntegerField(_("utløpte lenker brukt"), default=0)
    links_invalid = models.PositiveIntegerField(_("ugyldige lenker brukt"), default=0)
    rate_limited = models.PositiveIntegerField(_("forespørsler stoppet av fartsgrensen"), default=0)
    # Votes written straight into the database by manage.py load_demo, with no
    # e-mail and no confirmation: the report tells them apart from confirmed ones.
    votes_loaded = models.PositiveIntegerField(
        _("stemmer lagt inn som demodata, uten bekreftelse"), default=0
    )

    class Meta:
        verbose_name = _("integritetstall")
        verbose_name_plural = _("integritetstall")

    def __str__(self) -> str:
        return str(self.round)


class JuryDecision(models.Model):
    """The winner of a round. Written only by ``voting.services``."""

    round = models.OneToOneField(
        PrizeRound, on_delete=models.PROTECT, related_name="decision", verbose_name=_("runde")
    )
    winner = models.ForeignKey(
        Nomination, on_delete=models.PROTECT, related_name="+", verbose_name=_("vinner")
    )
    justification = models.TextField(_("juryens begrunnelse"), blank=True)
    recorded_by = staff_member(_("registrert av"))
    recorded_at = models.DateTimeField(_("registrert"))

    class Meta:
        verbose_name = _("juryavgjørelse")
        verbose_name_plural = _("juryavgjørelser")

    def __str__(self) -> str:
        return f"{self.round.year}: {self.winner.municipality.name}"


class GivenUpEmailQuerySet(models.QuerySet):
    def retryable(self) -> "GivenUpEmailQuerySet":
        """Those that can still be sent: the link inside still works."""
        return self.filter(link_expires_at__gt=timezone.now()).exclude(sealed_address="")

    def expired(self) -> "GivenUpEmailQuerySet":
        return self.filter(link_expires_at__lte=timezone.now())


class GivenUpEmail(models.Model):
    """A confirmation e-mail whose every attempt failed, kept so that staff can
    have it sent again (voting.mail). Its address and link stay sealed, as in
    the queue, and only until the link expires; nobody sees them. Never shown
    row by row: staff see counts."""

    nomination = models.ForeignKey(
        Nomination, on_delete=models.CASCADE, related_name="+", verbose_name=_("nominasjon")
    )
    sealed_address = models.TextField(blank=True)
    sealed_confirm_url = models.TextField(blank=True)
    language = models.CharField(max_length=10)
    attempts = models.PositiveSmallIntegerField(_("forsøk"))
    # The type of the last error (e.g. "SMTPRecipientsRefused"): its message
    # may hold the address.
    last_error = models.CharField(_("siste feil"), max_length=100)
    given_up_at = models.DateTimeField(_("gitt opp"))
    link_expires_at = models.DateTimeField(_("lenken utløper"))

    objects = GivenUpEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("bekreftelses-e-post")
        verbose_name_plural = _("bekreftelses-e-poster")
        # No row-by-row admin: one permission for the counts and the retry.
        default_permissions = ()
        permissions = [
            (
                "retry_confirmation_email",
                _(
                    "Kan se hvor mange bekreftelses-e-poster som venter, og sende dem som ble "
                    "gitt opp, på nytt"
                ),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sealed_address="", sealed_confirm_url="")
                | (~Q(sealed_address="") & ~Q(sealed_confirm_url="")),
                name="given_up_email_sealed_together",
            )
        ]

    def __str__(self) -> str:
        return f"{self.nomination}: {self.attempts}"


# The widest ranges one shared network may cover: an IPv4 /16 (65,536
# addresses) is a large organisation's whole network, an IPv6 /48 one site.
# Anything wider is a provider's, and would lift the limits for strangers too.
WIDEST_PREFIX = {4: 16, 6: 48}
# A range is allow-listed for one vote at a time: a round's voting lasts
# weeks, and a range that must be added again for the next round, with its
# reason, cannot stay open long after anyone remembers why.
LONGEST_PERIOD = timedelta(days=60)
TOO_WIDE = _(
    "%(network)s er for stort. Et delt nettverk kan være høyst /%(ipv4)d for IPv4 "
    "(65 536 adresser) og /%(ipv6)d for IPv6: større områder dekker mer enn ett sted."
)


class NetworkRangeField(models.CharField):
    """An IPv4 or IPv6 range in CIDR notation, stored as its network
    (192.0.2.7/24 is 192.0.2.0/24; one address is its /32 or /128), and
    no wider than WIDEST_PREFIX."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            network = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            raise ValidationError(
                _("Skriv et adresseområde som 192.0.2.0/24 eller 2001:db8:1::/48."),
                code="invalid",
            ) from None
        if network.prefixlen < WIDEST_PREFIX[network.version]:
            raise ValidationError(
                TOO_WIDE,
                code="too_wide",
                params={"network": network, "ipv4": WIDEST_PREFIX[4], "ipv6": WIDEST_PREFIX[6]},
            )
        return str(network)


class SharedNetworkQuerySet(models.QuerySet):
    def active(self, at: datetime | None = None) -> "SharedNetworkQuerySet":
        at = at or timezone.now()
        return self.filter(starts_at__lte=at, ends_at__gt=at)

    def not_expired(self, at: datetime | None = None) -> "SharedNetworkQuerySet":
        return self.filter(ends_at__gt=at or timezone.now())


class SharedNetwork(models.Model):
    """An address range many honest voters share, a town hall or a school,
    whose clients get a higher per-IP rate limit while it is active (never a
    higher limit per e-mail address), and whose votes the fraud review marks.
    Written only by ``voting.services``; its name is for staff only."""

    network = NetworkRangeField(
        _("adresseområde"),
        max_length=43,
        help_text=_(
            "Som 192.0.2.0/24 eller 2001:db8:1::/48, eller én adresse. Høyst /16 for IPv4 "
            "og /48 for IPv6."
        ),
    )
    name = models.CharField(
        _("navn"), max_length=100, help_text=_("For eksempel «Sandnes rådhus».")
    )
    reason = models.TextField(
        _("grunn"),
        help_text=_("Hvorfor mange deler adressene, og hvem som har bekreftet det."),
    )
    starts_at = models.DateTimeField(_("gjelder fra"), default=timezone.now)
    ends_at = models.DateTimeField(
        _("gjelder til"),
        help_text=_("Høyst 60 dager etter at det begynner å gjelde."),
    )
    created_by = staff_member(_("lagt inn av"))
    created_at = models.DateTimeField(_("lagt inn"), default=timezone.now, editable=False)

    objects = SharedNetworkQuerySet.as_manager()

    class Meta:
        ordering = ["-ends_at", "name"]
        verbose_name = _("delt nettverk")
        verbose_name_plural = _("delte nettverk")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="shared_network_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.network})"

    def clean(self) -> None:
        if self.starts_at is None or self.ends_at is None:
            return
        # Only a new range must end in the future: a change may end one early.
        if self._state.adding and self.ends_at <= timezone.now():
            raise ValidationError({"ends_at": _("Slutten må ligge fram i tid.")})
        if self.ends_at <= self.starts_at:
            raise ValidationError(
                {"ends_at": _("Slutten må komme etter at det begynner å gjelde.")}
            )
        if self.ends_at - self.starts_at > LONGEST_PERIOD:
            raise ValidationError(
                {
                    "ends_at": ValidationError(
                        _(
                            "Et delt nettverk kan gjelde i høyst %(days)d dager. Legg det inn "
                            "på nytt for neste avstemning, med grunnen for den."
                        ),
                        params={"days": LONGEST_PERIOD.days},
                    )
                }
            )
