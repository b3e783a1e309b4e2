"""The admin site, with a second factor (TOTP through django-otp) for staff and jury.

``settings.ADMIN_REQUIRE_2FA`` decides at each request whether the admin asks
for a one-time code. Production refuses to start with it off; the local run has
it off so ``make run`` works with the printed password alone.
"""

from django import forms
from django.conf import settings
from django.contrib.admin import AdminSite
from django.forms.models import BaseInlineFormSet
from django.utils.text import get_text_list
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.forms import OTPAuthenticationFormMixin


class OneTimeCodeLoginForm(OTPAdminAuthenticationForm):
    """The admin login: user name, password and the code from the authenticator app.

    django-otp asks the user to pick a device before it checks a code. Staff
    normally have exactly one (their TOTP app), so that one is used without
    asking; with several (an app and recovery codes) the form lists them.
    """

    otp_token = forms.CharField(
        required=False,
        label=_("Engangskode"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 16}
        ),
    )
    otp_error_messages = dict(
        OTPAuthenticationFormMixin.otp_error_messages,
        token_required=_("Skriv inn engangskoden fra autentiseringsappen."),
        invalid_token=_("Engangskoden er feil eller utløpt. Prøv den neste koden appen viser."),
        n_failed_attempts=_(
            "For mange feil engangskoder. Vent litt før du prøver igjen; ventetiden øker "
            "for hver feil."
        ),
        verification_not_allowed=_("Engangskoden kan ikke sjekkes akkurat nå. Prøv igjen snart."),
        device_required=_("Velg hvilken enhet engangskoden kommer fra."),
        not_interactive=_("Denne enheten sender ingen kode; bruk koden i appen."),
    )

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None and not self.cleaned_data.get("otp_device"):
            devices = list(devices_for_user(user, for_verify=True))
            if len(devices) == 1:
                return devices[0]
        return device


class StaffAdminSite(OTPAdminSite):
    """Django's admin, which lets in only staff verified by a one-time code when
    ``ADMIN_REQUIRE_2FA`` is on, and behaves as the plain admin when it is off."""

    site_header = _("Bosettings- og integreringsprisen")
    site_title = _("Prisavstemning")
    index_title = _("Administrasjon")

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    @property
    def login_form(self):
        return OneTimeCodeLoginForm if settings.ADMIN_REQUIRE_2FA else None

    @property
    def login_template(self):
        return "admin/login_otp.html" if settings.ADMIN_REQUIRE_2FA else None

    def has_permission(self, request) -> bool:
        if settings.ADMIN_REQUIRE_2FA:
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)


class InlineFormSet(BaseInlineFormSet):
    """An inline formset whose error for rows that repeat a unique value names
    the fields as the model does ("kommune"), not by their attribute names
    ("municipality"), which Django's formset puts in that sentence."""

    def get_unique_error_message(self, unique_check) -> str:
        names = [
            str(self.model._meta.get_field(name).verbose_name)
            for name in unique_check
            if name != self.fk.name  # the same in every row, as in Django's message
        ]
        if len(names) == 1:
            return gettext("Please correct the duplicate data for %(field)s.") % {"field": names[0]}
        return gettext("Please correct the duplicate data for %(field)s, which must be unique.") % {
            "field": get_text_list(names, gettext("and"))
        }
