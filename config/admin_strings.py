"""Django admin strings that Django's own nb and nn catalogues lack.

Django 5.2's admin asks for "Please correct the error below." as a plural
(ngettext), but Django's nb and nn catalogues hold it only as two singular
entries, so the admin showed that line in English. The page title's "Error:",
the skip link, the sidebar's filter and the theme switch's labels are missing
from them altogether. Naming them here brings them into this project's
catalogues (makemessages), which Django reads before its own (LOCALE_PATHS)."""

from django.utils.translation import gettext_lazy, ngettext_lazy

FORM_ERRORS = ngettext_lazy(
    "Please correct the error below.", "Please correct the errors below.", "count"
)

# admin/base.html, change_form.html, login.html, nav_sidebar.html and
# color_theme_toggle.html.
MISSING_IN_DJANGOS_CATALOGUES = [
    gettext_lazy("Error:"),
    gettext_lazy("Skip to main content"),
    gettext_lazy("Start typing to filter…"),
    gettext_lazy("Toggle theme (current theme: auto)"),
    gettext_lazy("Toggle theme (current theme: light)"),
    gettext_lazy("Toggle theme (current theme: dark)"),
]
