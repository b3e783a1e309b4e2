import re
from datetime import datetime
from itertools import combinations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

# The schedule of a round, in the order its moments must come.
SCHEDULE = (
    "nominees_published_at",
    "voting_opens_at",
    "voting_closes_at",
    "finalists_announced_at",
    "winner_announced_at",
)


class Phase(models.TextChoices):
    DRAFT = "draft", _("Utkast")
    NOMINEES_PUBLISHED = "nominees_published", _("Nominerte publisert")
    VOTING_OPEN = "voting_open", _("Avstemningen er åpen")
    VOTING_CLOSED = "voting_closed", _("Avstemningen er avsluttet")
    FINALISTS_ANNOUNCED = "finalists_announced", _("Finalistene er kunngjort")
    WINNER_ANNOUNCED = "winner_announced", _("Vinneren er kunngjort")


# Which schedule moment starts which phase, latest first.
PHASE_STARTS = (
    ("winner_announced_at", Phase.WINNER_ANNOUNCED),
    ("finalists_announced_at", Phase.FINALISTS_ANNOUNCED),
    ("voting_closes_at", Phase.VOTING_CLOSED),
    ("voting_opens_at", Phase.VOTING_OPEN),
    ("nominees_published_at", Phase.NOMINEES_PUBLISHED),
)


class Municipality(models.Model):
    name = models.CharField(_("navn"), max_length=100)
    number = models.CharField(
        _("kommunenummer"),
        max_length=4,
        unique=True,
        validators=[RegexValidator(r"^[0-9]{4}\Z", _("Kommunenummeret har fire sifre."))],
    )
    county = models.CharField(_("fylke"), max_length=100)
    slug = models.SlugField(_("adressenavn"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")
        constraints = [
            models.CheckConstraint(
                condition=Q(number__regex=r"^[0-9]{4}$"), name="municipality_number_four_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WinnerRule(models.TextChoices):
    # 2020: the jury chose among the three finalists of the public vote.
    FINALISTS = "finalists", _("Juryen velger blant finalistene fra avstemningen")
    # 2021 and 2023: a combined assessment, the public vote one input of several.
    ALL_NOMINEES = (
        "all_nominees",
        _("Juryen velger blant alle de nominerte, med stemmetallene som ett av grunnlagene"),
    )


class Verification(models.TextChoices):
    """How a voter shows who they are, so that one person is one vote."""

    # A confirmation link sent to the address: one mailbox, one vote.
    EMAIL = "email", _("E-post med bekreftelseslenke")
    # The national eID login (OpenID Connect): one person, one vote.
    IDPORTEN = "idporten", _("ID-porten: velgeren logger inn med elektronisk ID")


class PrizeRoundQuerySet(models.QuerySet):
    def published(self, at: datetime | None = None) -> "PrizeRoundQuerySet":
        """Rounds the public may see: nominees published, or, for archive rounds from
        before this app that have only a winner date, the winner announced."""
        at = at or timezone.now()
        return self.filter(Q(nominees_published_at__lte=at) | Q(winner_announced_at__lte=at))

    def voting_open(self, at: datetime | None = None) -> "PrizeRoundQuerySet":
        """Rounds whose vote is open: in the database what ``voting_is_open`` is
        in Python (a round's later moments all come after its close)."""
        at = at or timezone.now()
        return self.filter(voting_opens_at__lte=at, voting_closes_at__gt=at)

    def current(self, at: datetime | None = None) -> "PrizeRound | None":
        """The round the public page is about: the newest public one."""
        return self.published(at).order_by("-year").first()

    def next_moment(self, after: datetime) -> datetime | None:
        """The first moment in these rounds' schedules after ``after``: until
        then no round changes phase, so no public page changes by time alone."""
        moments = self.aggregate(
            **{field: Min(field, filter=Q(**{f"{field}__gt": after})) for field in SCHEDULE}
        )
        return min((moment for moment in moments.values() if moment is not None), default=None)


class PrizeRound(models.Model):
    year = models.PositiveSmallIntegerField(_("år"), unique=True)
    title = models.CharField(_("tittel"), max_length=200)
    intro = models.TextField(_("innledning"), blank=True)
    nominees_published_at = models.DateTimeField(_("nominerte publiseres"), null=True, blank=True)
    voting_opens_at = models.DateTimeField(_("avstemningen åpner"), null=True, blank=True)
    voting_closes_at = models.DateTimeField(_("avstemningen stenger"), null=True, blank=True)
    finalists_announced_at = models.DateTimeField(
        _("finalistene kunngjøres"), null=True, blank=True
    )
    winner_announced_at = models.DateTimeField(_("vinneren kunngjøres"), null=True, blank=True)
    publish_vote_counts = models.BooleanField(
        _("publiser stemmetall med finalistene"), default=False
    )
    publish_running_counts = models.BooleanField(
        _("publiser løpende stemmetall mens avstemningen er åpen"),
        default=False,
        help_text=_(
            "Stemmetallet til hver nominert kan da lastes ned som åpne data mens avstemningen "
            "pågår. Av som standard: løpende tall kan få velgere til å følge flertallet. Krever "
            "at stemmetallene publiseres med finalistene."
        ),
    )
    shuffle_nominees = models.BooleanField(
        _("vis de nominerte i tilfeldig rekkefølge mens avstemningen er åpen"),
        default=True,
        help_text=_(
            "Hver visning av rundens side viser de nominerte i én av noen faste rekkefølger, "
            "valgt tilfeldig, der hver nominert står først like ofte, slik at ingen får en "
            "fordel av å stå først. Før og etter avstemningen, og når dette er av, står de i "
            "rekkefølgen som er satt på nominasjonene."
        ),
    )
    winner_rule = models.CharField(
        _("slik velges vinneren"),
        max_length=20,
        choices=WinnerRule.choices,
        default=WinnerRule.FINALISTS,
    )
    finalist_count = models.PositiveSmallIntegerField(
        _("antall finalister"), default=3, help_text=_("Så mange går videre fra avstemningen.")
    )
    verification = models.CharField(
        _("slik bekrefter velgerne stemmen"),
        max_length=20,
        choices=Verification.choices,
        default=Verification.EMAIL,
        help_text=_(
            "E-post: velgeren får en lenke på e-post og bekrefter stemmen med den. Det beviser "
            "en e-postadresse, ikke en person. ID-porten: velgeren logger inn med elektronisk "
            "ID (MinID, BankID, Buypass ID eller Commfides), slik at én person gir én stemme, og "
            "ingen e-post trengs. Fødselsnummeret lagres ikke. ID-porten krever at "
            "IDPORTEN-innstillingene er satt for nettstedet. Valget står fast fra "
            "avstemningen åpner."
        ),
    )
    imported = models.BooleanField(
        _("avviklet før denne løsningen"),
        default=False,
        help_text=_(
            "For runder avviklet før denne løsningen ble tatt i bruk: stemmene ble ikke talt "
            "her. De offentlige sidene sier da at stemmetallene ikke er tilgjengelige her, i "
            "stedet for at de kommer, og viser ikke tidsplanen, der datoer kan stå bare for å "
            "fylle plassen."
        ),
    )

    objects = PrizeRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("prisrunde")
        verbose_name_plural = _("prisrunder")
        constraints = [
            # Every moment that is set comes after every earlier one that is set.
            # Archive rounds from before this app may have only some moments.
            models.CheckConstraint(
                condition=Q(
                    *(
                        Q(**{f"{earlier}__lt": F(later)})
                        for earlier, later in combinations(SCHEDULE, 2)
                    )
                ),
                name="prizeround_schedule_in_order",
                violation_error_message=_(
                    "Tidspunktene må komme i rekkefølge: publisering, åpning, stenging, "
                    "finalister, vinner."
                ),
            ),
            models.CheckConstraint(
                condition=Q(voting_opens_at__isnull=True, voting_closes_at__isnull=True)
                | Q(voting_opens_at__isnull=False, voting_closes_at__isnull=False),
                name="prizeround_voting_window_complete",
                violation_error_message=_("En avstemning trenger både åpning og stenging."),
            ),
            models.CheckConstraint(
                condition=Q(finalist_count__gte=1),
                name="prizeround_at_least_one_finalist",
                violation_error_message=_("Runden må ha minst én finalist."),
            ),
            # Counts public while voting are not hidden once it is counted.
            models.CheckConstraint(
                condition=Q(publish_running_counts=False) | Q(publish_vote_counts=True),
                name="prizeround_running_counts_published_after",
                violation_error_message=_(
                    "Løpende stemmetall kan bare publiseres når stemmetallene også publiseres "
                    "med finalistene."
                ),
            ),
            models.CheckConstraint(
                condition=Q(voting_opens_at__isnull=True) | Q(nominees_published_at__isnull=False),
                name="prizeround_voting_after_publishing",
                violation_error_message=_("De nominerte må publiseres før avstemningen kan åpne."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("nominees:round", kwargs={"year": self.year})

    def phase(self, at: datetime | None = None) -> Phase:
        at = at or timezone.now()
        for field, phase in PHASE_STARTS:
            moment = getattr(self, field)
            if moment is not None and moment <= at:
                return phase
        return Phase.DRAFT

    @property
    def uses_idporten(self) -> bool:
        return self.verification == Verification.IDPORTEN

    def winner_is_announced(self, at: datetime | None = None) -> bool:
        return self.phase(at) == Phase.WINNER_ANNOUNCED

    def voting_is_open(self, at: datetime | None = None) -> bool:
        return self.phase(at) == Phase.VOTING_OPEN

    def shows_nominees_shuffled(self, at: datetime | None = None) -> bool:
        """Whether the nominee list is in a fair order (nominees.order) now,
        not the fixed one: only while voting is open, and if the round says so."""
        return self.shuffle_nominees and self.voting_is_open(at)

    def voting_has_closed(self, at: datetime | None = None) -> bool:
        return self.phase(at) not in (Phase.DRAFT, Phase.NOMINEES_PUBLISHED, Phase.VOTING_OPEN)

    def phase_in_words(self, at: datetime | None = None) -> str:
        """The phase as a sentence with its dates, for every public page."""
        phase = self.phase(at)
        if self.imported and phase != Phase.DRAFT:
            # Its schedule may hold stand-ins for dates nobody recorded: say no more than
            # the year, which is the round's own.
            return gettext("Runden ble holdt før dette nettstedet ble tatt i bruk.")
        when = {
            field: date_format(timezone.localtime(getattr(self, field)), "DATETIME_FORMAT")
            for field in SCHEDULE
            if getattr(self, field) is not None
        }
        if phase == Phase.NOMINEES_PUBLISHED and "voting_opens_at" in when:
            return gettext("Avstemningen åpner %(opens)s og er åpen til %(closes)s.") % {
                "opens": when["voting_opens_at"],
                "closes": when["voting_closes_at"],
            }
        if phase == Phase.NOMINEES_PUBLISHED:
            return gettext("De nominerte er kunngjort. Denne runden har ingen avstemning.")
        if phase == Phase.VOTING_OPEN:
            return gettext("Avstemningen er åpen til %(closes)s.") % {
                "closes": when["voting_closes_at"]
            }
        if phase == Phase.VOTING_CLOSED and "finalists_announced_at" in when:
            return gettext(
                "Avstemningen ble avsluttet %(closed)s. Finalistene kunngjøres %(finalists)s."
            ) % {"closed": when["voting_closes_at"], "finalists": when["finalists_announced_at"]}
        if phase == Phase.VOTING_CLOSED:
            return gettext("Avstemningen ble avsluttet %(closed)s.") % {
                "closed": when["voting_closes_at"]
            }
        if phase == Phase.FINALISTS_ANNOUNCED and "winner_announced_at" in when:
            return gettext(
                "Finalistene ble kunngjort %(finalists)s. Vinneren kunngjøres %(winner)s."
            ) % {"finalists": when["finalists_announced_at"], "winner": when["winner_announced_at"]}
        if phase == Phase.FINALISTS_ANNOUNCED:
            return gettext("Finalistene ble kunngjort %(finalists)s.") % {
                "finalists": when["finalists_announced_at"]
            }
        if phase == Phase.WINNER_ANNOUNCED:
            return gettext("Vinneren ble kunngjort %(winner)s.") % {
                "winner": when["winner_announced_at"]
            }
        return gettext("Runden er ikke publisert ennå.")


class NominationQuerySet(models.QuerySet):
    def published(self, at: datetime | None = None) -> "NominationQuerySet":
        """Nominations the public may see: those of a round it may see."""
        return self.filter(round__in=PrizeRound.objects.published(at))

    def for_page(self) -> "NominationQuerySet":
        """With what a nominee's page and card show: round, municipality, key figures."""
        return self.select_related("round", "municipality").prefetch_related("key_figures")


class Nomination(models.Model):
    round = models.ForeignKey(
        PrizeRound, on_delete=models.PROTECT, related_name="nominations", verbose_name=_("runde")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="nominations",
        verbose_name=_("kommune"),
    )
    summary = models.TextField(_("sammendrag"), blank=True)
    justification = models.TextField(_("begrunnelse"), blank=True)
    image = models.ImageField(_("bilde"), upload_to="nominations/", blank=True)
    image_alt = models.CharField(_("alternativ tekst for bildet"), max_length=300, blank=True)
    read_more_url = models.URLField(_("les mer-lenke"), blank=True)
    display_order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)

    objects = NominationQuerySet.as_manager()

    class Meta:
        ordering = ["display_order", "municipality__name"]
        verbose_name = _("nominasjon")
        verbose_name_plural = _("nominasjoner")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "municipality"],
                name="nomination_once_per_round",
                violation_error_message=_("Kommunen er allerede nominert i denne runden."),
            ),
            # The bokmål text is the one every language falls back to.
            models.CheckConstraint(
                condition=Q(image="") | Q(image_alt_nb__isnull=False) & ~Q(image_alt_nb=""),
                name="nomination_image_has_alt_text",
                violation_error_message=_("Et bilde trenger en alternativ tekst."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality.name} ({self.round.year})"

    def get_absolute_url(self) -> str:
        return reverse(
            "nominees:nomination",
            kwargs={"year": self.round.year, "slug": self.municipality.slug},
        )

    @property
    def headline_figure(self) -> "KeyFigure | None":
        figures = self.key_figures.all()
        return figures[0] if figures else None


# Between digit groups ("1 250") or before a percent sign ("78 %").
NUMBER_SPACE = re.compile(r"(?<=\d)[ \u00a0](?=\d{3}(?!\d)|%)")
DIGIT_GROUP_SPACE = re.compile(r"(?<=\d)[ \u00a0](?=\d{3}(?!\d))")
PERCENT_SPACE = re.compile(r"(?<=\d)[ \u00a0](?=%)")
DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")


class KeyFigure(models.Model):
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="key_figures")
    position = models.PositiveSmallIntegerField(_("plass"), default=0)
    label = models.CharField(_("hva tallet viser"), max_length=200)
    value = models.CharField(_("verdi"), max_length=100)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("nøkkeltall")
        verbose_name_plural = _("nøkkeltall")
        constraints = [
            models.UniqueConstraint(
                fields=["nomination", "position"], name="key_figure_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.value}"

    @property
    def shown_value(self) -> str:
        """The value as the reader's language writes numbers. Staff write it
        the Norwegian way ("1 250", "4,5", "78 %"); Norwegian keeps the spaces
        unbroken, English groups digits with a comma, takes a decimal point
        and sets % without a space ("1,250", "4.5", "78%")."""
        if get_language() != "en":
            return NUMBER_SPACE.sub("\u00a0", self.value)
        value = DECIMAL_COMMA.sub(".", self.value)
        value = DIGIT_GROUP_SPACE.sub(",", value)
        return PERCENT_SPACE.sub("", value)

    def clean(self) -> None:
        super().clean()
        # A key figure is a number with a label: a phrase belongs in the label or the
        # justification, not in the headline number of a card.
        if self.value and not any(character.isdigit() for character in self.value):
            raise ValidationError(
                {
                    "value": _(
                        "Verdien må være et tall, for eksempel «44» eller «1 250», og står likt på "
                        "alle språk. Skriv hva tallet viser, i feltet for det, og annen tekst i "
                        "begrunnelsen."
                    )
                }
            )
