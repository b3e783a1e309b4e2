"""Django admin strings that Django's own nb and nn catalogues lack.

Django 5.2's admin asks for "Please correct the error below." as a plural
(ngettext), but Django's nb and nn catalogues hold it only as two singular
entries, so the admin showed that line in English. Naming it here brings it
into this project's catalogues (makemessages), which Django reads before its
own (LOCALE_PATHS)."""

from django.utils.translation import ngettext_lazy

FORM_ERRORS = ngettext_lazy(
    "Please correct the error below.", "Please correct the errors below.", "count"
)
