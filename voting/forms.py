from django import forms
from django.utils.translation import gettext_lazy as _

from . import identity

# The honeypot: a field people never see or reach (hidden by CSS, out of the tab
# order, hidden from screen readers), which form-filling scripts tend to fill.
HONEYPOT_FIELD = "website"


class VoteRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-postadresse"),
        max_length=254,
        error_messages={
            "required": _("Skriv inn e-postadressen din."),
            "invalid": _("Skriv inn en gyldig e-postadresse, for eksempel navn@eksempel.no."),
            "max_length": _("E-postadressen er for lang."),
            # Why identity.canonical_address finds an address undeliverable.
            "local_part_too_long": _(
                "Delen før @ er for lang. En e-postadresse kan ha høyst 64 tegn før @."
            ),
            "domain": _(
                "Vi kan ikke sende e-post til domenet etter @. Sjekk at det er skrevet riktig."
            ),
        },
    )
    website = forms.CharField(required=False, strip=False)

    def clean_email(self) -> str:
        """The address the confirmation goes to: the canonical form of the
        mailbox, as the mail is delivered, so the voter key, the per-address
        limit and the disposable check all see the mailbox that gets the link."""
        try:
            address = identity.canonical_address(self.cleaned_data["email"])
        except identity.Undeliverable as undeliverable:
            raise forms.ValidationError(
                self.fields["email"].error_messages[undeliverable.reason],
                code=undeliverable.reason,
            ) from None
        if identity.is_disposable_domain(identity.email_domain(address)):
            raise forms.ValidationError(
                _(
                    "Vi sender ikke til e-postadresser for engangsbruk. "
                    "Bruk en e-postadresse du har fast."
                ),
                code="disposable",
            )
        return address

    def clean_website(self) -> str:
        if self.cleaned_data[HONEYPOT_FIELD]:
            raise forms.ValidationError(
                _(
                    "Stemmen ble ikke sendt fordi et skjult felt som skal stå tomt, var fylt ut. "
                    "Det skjer oftest når et program fyller ut skjemaet. "
                    "Last inn siden på nytt og prøv igjen uten å fylle det ut automatisk."
                ),
                code="honeypot",
            )
        return ""

    def honeypot_errors(self) -> list[str]:
        return self.errors.get(HONEYPOT_FIELD, [])
