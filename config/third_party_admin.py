"""The admin pages of django-otp and django-tasks-db in the staff's language
and time zone.

django-otp names its models, fields, help texts and fieldsets in plain
English strings that no catalogue can translate, and django-tasks-db shows a
task's "run after" as a bare UTC timestamp. The apps' own admin classes are
replaced here by subclasses that say the same in bokmål (nynorsk through the
catalogues) and show every time in Norwegian time. The model names are set on
the models' options when the apps are ready (``config.apps``): the admin's
index, titles, breadcrumbs and messages read them there. Migrations read the
options as the models declared them (``Meta``), so no migration changes.

The strings that these packages and Django do pass through gettext are
translated in our catalogues instead (``config.admin_strings``)."""

from django.contrib import admin
from django.contrib.admin.utils import display_for_value
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin, StaticTokenInline
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

MODEL_NAMES = {
    TOTPDevice: (_("TOTP-enhet"), _("TOTP-enheter")),
    StaticDevice: (_("reservekodeliste"), _("reservekodelister")),
    StaticToken: (_("reservekode"), _("reservekoder")),
}

DEVICE_LABELS = {
    "user": _("bruker"),
    "name": _("navn"),
    "confirmed": _("bekreftet"),
    "created_at": _("opprettet"),
    "last_used_at": _("sist brukt"),
    "key": _("nøkkel"),
    "step": _("tidssteg"),
    "t0": _("T0"),
    "digits": _("sifre"),
    "tolerance": _("toleranse"),
    "drift": _("avvik"),
    "last_t": _("siste tidssteg"),
    "throttling_failure_timestamp": _("siste feilede forsøk"),
    "throttling_failure_count": _("feilede forsøk på rad"),
    "token": _("kode"),
}

DEVICE_HELP_TEXTS = {
    "user": _("Brukeren enheten hører til."),
    "name": _("Et navn som sier hvilken enhet dette er, for eksempel «Telefon»."),
    "confirmed": _("Om enheten er klar til bruk."),
    "created_at": _("Når enheten ble lagt inn."),
    "last_used_at": _("Sist enheten ble brukt til å logge inn."),
    "key": _("Den hemmelige nøkkelen, heksadesimalt, høyst 40 byte."),
    "step": _("Tidssteget i sekunder."),
    "t0": _("Unix-tiden tidsstegene telles fra."),
    "digits": _("Antall sifre i en kode."),
    "tolerance": _("Hvor mange tidssteg før eller etter som godtas."),
    "drift": _("Hvor mange tidssteg klokken i appen er kjent for å gå feil."),
    "last_t": _("Tidssteget til den siste godkjente koden. Neste kode må ha et senere tidssteg."),
    "throttling_failure_timestamp": _(
        "Tidspunktet for siste feilede forsøk, eller tomt etter et vellykket forsøk."
    ),
    "throttling_failure_count": _("Antall feilede forsøk på rad."),
}


def set_model_names() -> None:
    for model, (singular, plural) in MODEL_NAMES.items():
        model._meta.verbose_name = singular
        model._meta.verbose_name_plural = plural


def column(field: str, description, *, boolean: bool = False):
    """A change list column showing ``field`` under a translated heading."""

    @admin.display(description=description, ordering=field, boolean=boolean)
    def show(obj):
        return getattr(obj, field)

    show.__name__ = f"{field}_column"
    return show


def titled(filter_class, title):
    """``filter_class`` with a translated title instead of the field's English name."""

    class Titled(filter_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


class NorwegianLabels:
    """Form and read-only field labels and help texts from the dicts above."""

    labels = DEVICE_LABELS
    help_texts = DEVICE_HELP_TEXTS

    search_help_text = _("Søk etter brukernavn eller e-postadresse")

    def get_form(self, request, obj=None, **kwargs):
        kwargs.setdefault("labels", {name: capfirst(label) for name, label in self.labels.items()})
        kwargs.setdefault("help_texts", self.help_texts)
        return super().get_form(request, obj, **kwargs)


DEVICE_COLUMNS = [
    column("user", DEVICE_LABELS["user"]),
    column("name", DEVICE_LABELS["name"]),
    column("created_at", DEVICE_LABELS["created_at"]),
    column("last_used_at", DEVICE_LABELS["last_used_at"]),
    column("confirmed", DEVICE_LABELS["confirmed"], boolean=True),
]
DEVICE_FILTERS = [
    ("created_at", titled(admin.DateFieldListFilter, DEVICE_LABELS["created_at"])),
    ("last_used_at", titled(admin.DateFieldListFilter, DEVICE_LABELS["last_used_at"])),
    ("confirmed", titled(admin.BooleanFieldListFilter, DEVICE_LABELS["confirmed"])),
]


class AuthenticatorAppAdmin(NorwegianLabels, TOTPDeviceAdmin):
    list_display = DEVICE_COLUMNS
    list_display_links = [DEVICE_COLUMNS[0]]
    list_filter = DEVICE_FILTERS
    FIELDSET_TITLES = {
        "Identity": _("Hvem og hva"),
        "Timestamps": _("Tidspunkter"),
        "Configuration": _("Innstillinger"),
        "State": _("Tilstand"),
        "Throttling": _("Feilede forsøk"),
    }

    def get_fieldsets(self, request, obj=None):
        return [
            (self.FIELDSET_TITLES.get(title, title), options)
            for title, options in super().get_fieldsets(request, obj)
        ]

    @admin.display(description=_("QR-kode"))
    def qrcode_link(self, device):
        href = reverse("admin:otp_totp_totpdevice_config", kwargs={"pk": device.pk})
        return format_html('<a href="{}">{}</a>', href, _("Vis QR-kode"))


class BackupCodeInline(StaticTokenInline):
    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("labels", {"token": capfirst(DEVICE_LABELS["token"])})
        return super().get_formset(request, obj, **kwargs)


class BackupCodesAdmin(NorwegianLabels, StaticDeviceAdmin):
    list_display = DEVICE_COLUMNS
    list_display_links = [DEVICE_COLUMNS[0]]
    list_filter = DEVICE_FILTERS
    fieldsets = [
        (_("Hvem og hva"), {"fields": ["user", "name", "confirmed"]}),
        (_("Tidspunkter"), {"fields": ["created_at", "last_used_at"]}),
    ]
    inlines = [BackupCodeInline]


TASK_LABELS = {
    "task_name": _("oppgave"),
    "run_after": _("kjøres tidligst"),
    "traceback": _("feilspor"),
}


class TaskResultAdmin(DBTaskResultAdmin):
    """The tasks' times in Norwegian time, "run after" included (the package
    shows it as a UTC timestamp)."""

    list_display = (
        "id",
        "task_name_column",
        "status",
        "enqueued_at",
        "run_after_column",
        "started_at",
        "finished_at",
        "priority",
        "queue_name",
    )

    @admin.display(description=TASK_LABELS["task_name"], ordering="task_path")
    def task_name_column(self, obj: DBTaskResult) -> str:
        # The function's name, read from its path: the package's task_name
        # imports the task and checks it against the current backend, and the
        # list would fail on a row the current backend could not have queued.
        return obj.task_path.rpartition(".")[2]

    @admin.display(description=TASK_LABELS["run_after"], ordering="run_after")
    def run_after_column(self, obj: DBTaskResult):
        return super().display_run_after(obj)

    @admin.display(description=TASK_LABELS["run_after"])
    def display_run_after(self, obj: DBTaskResult) -> str:
        return display_for_value(super().display_run_after(obj), self.get_empty_value_display())

    @admin.display(description=TASK_LABELS["traceback"])
    def formatted_traceback(self, obj: DBTaskResult) -> str:
        return super().formatted_traceback(obj)


def replace(model, model_admin) -> None:
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
