"""English strings of Django's admin and of the packages in it that lack
bokmål or nynorsk in their own catalogues.

Staff read the admin in bokmål or nynorsk (README "Languages"). Django's nb
and nn catalogues miss a few dozen admin and auth strings ("Show counts",
"Changed:", "entries", the sidebar's filter); django-axes, django-tasks and
django-tasks-db ship no nb or nn catalogue at all. Naming their msgids here
brings them into this project's catalogues (makemessages), where they are
translated like our own strings; Django reads LOCALE_PATHS before Django's and
the apps' catalogues, so ours win. Only ``gettext`` calls can be translated
this way: django-otp's models and admin use plain English strings, which
``config.third_party_admin`` replaces.

Django's nn catalogue also lacks a few of the form messages its nb
catalogue has (DJANGO_NYNORSK). Django 5.2's admin also asks for "Please
correct the error below." as a plural (ngettext), while Django's nb and nn
catalogues hold it only as two singular entries, so that line needs a plural
entry here too.

Nothing here is called at runtime: the lists exist for makemessages and for
tests/test_translations.py, which checks that each string reads Norwegian."""

from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext_lazy

FORM_ERRORS = ngettext_lazy(
    "Please correct the error below.", "Please correct the errors below.", "count"
)

# django/contrib/admin: the templates (base.html, change_form.html,
# change_list.html, object_history.html, nav_sidebar.html, index.html,
# color_theme_toggle.html, logged_out.html, login.html) and the change list.
DJANGO_ADMIN = [
    gettext_lazy("Error:"),
    gettext_lazy("Skip to main content"),
    gettext_lazy("Start typing to filter…"),
    gettext_lazy("Toggle theme (current theme: auto)"),
    gettext_lazy("Toggle theme (current theme: light)"),
    gettext_lazy("Toggle theme (current theme: dark)"),
    gettext_lazy("Show counts"),
    gettext_lazy("Hide counts"),
    gettext_lazy("Added:"),
    gettext_lazy("Changed:"),
    gettext_lazy("Deleted:"),
    ngettext_lazy("entry", "entries", "count"),
    gettext_lazy("Breadcrumbs"),
    gettext_lazy("Sidebar"),
    gettext_lazy("Filter navigation items"),
    gettext_lazy("Model name"),
    gettext_lazy("Add link"),
    gettext_lazy("Change or view list link"),
    gettext_lazy("Select this object for an action - {}"),
    gettext_lazy("Select all objects on this page for an action"),
    gettext_lazy("View selected %(model)s"),
    gettext_lazy("%(class_name)s %(instance)s"),
    gettext_lazy("Forgotten your login credentials?"),
    gettext_lazy("In case you’ve forgotten, you are:"),
    gettext_lazy("Thanks for spending some quality time with the web site today."),
    gettext_lazy("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_lazy("Set password"),
    gettext_lazy(
        "This action will <strong>enable</strong> password-based authentication for this user."
    ),
    gettext_lazy("Disable password-based authentication"),
    gettext_lazy("Enable password-based authentication"),
]

# django/contrib/auth: the user's page and form.
DJANGO_AUTH = [
    gettext_lazy("Reset password"),
    gettext_lazy("Set password: %s"),
    gettext_lazy("Raw passwords are not stored, so there is no way to see the user’s password."),
    gettext_lazy("Password-based authentication"),
    gettext_lazy("Password-based authentication was disabled."),
    gettext_lazy(
        "Whether the user will be able to authenticate using a password or not. If disabled, "
        "they may still be able to authenticate using other backends, such as Single Sign-On "
        "or LDAP."
    ),
    gettext_lazy("Enable password-based authentication for this user by setting a password."),
    gettext_lazy("Enabled"),
    gettext_lazy("Disabled"),
    gettext_lazy("Conflicting form data submitted. Please try again."),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "count",
    ),
]

# Django's validation messages that its nn catalogue lacks (nb has them):
# the admin shows them on a form or an inline with too many rows.
DJANGO_NYNORSK = [
    gettext_lazy("Ensure this value is a multiple of step size %(limit_value)s."),
    gettext_lazy("Constraint “%(name)s” is violated."),
    ngettext_lazy(
        "Please submit at most %(num)d form.", "Please submit at most %(num)d forms.", "num"
    ),
    ngettext_lazy(
        "Please submit at least %(num)d form.", "Please submit at least %(num)d forms.", "num"
    ),
]

# django-axes (the login attempts): its models, admin and lockout message.
AXES = [
    gettext_lazy("access attempt"),
    gettext_lazy("access attempts"),
    gettext_lazy("access failure"),
    gettext_lazy("access failures"),
    gettext_lazy("access log"),
    gettext_lazy("access logs"),
    gettext_lazy("access attempt expiration"),
    gettext_lazy("access attempt expirations"),
    gettext_lazy("Access Attempt"),
    gettext_lazy("Access lock out"),
    gettext_lazy("Attempt Time"),
    gettext_lazy("Logout Time"),
    gettext_lazy("Expires At"),
    gettext_lazy("The time when access attempt expires and is no longer valid."),
    gettext_lazy("IP Address"),
    gettext_lazy("User Agent"),
    gettext_lazy("Username"),
    gettext_lazy("Path"),
    gettext_lazy("HTTP Accept"),
    gettext_lazy("GET Data"),
    gettext_lazy("POST Data"),
    gettext_lazy("Failed Logins"),
    gettext_lazy("Session key hash (sha256)"),
    gettext_lazy("Form Data"),
    gettext_lazy("Meta Data"),
    gettext_lazy("Locked Out"),
    gettext_lazy("Attempt Remaining"),
    gettext_lazy("Not set"),
    gettext_lazy("Clean up expired attempts"),
    gettext_lazy("Account locked: too many login attempts. Please try again later."),
]

# django-tasks (the statuses) and django-tasks-db (the task results' model).
TASKS = [
    pgettext_lazy("Task", "Ready"),
    pgettext_lazy("Task", "Running"),
    pgettext_lazy("Task", "Failed"),
    pgettext_lazy("Task", "Successful"),
    gettext_lazy("Task Result"),
    gettext_lazy("Task Results"),
    gettext_lazy("enqueued at"),
    gettext_lazy("started at"),
    gettext_lazy("finished at"),
    gettext_lazy("args kwargs"),
    gettext_lazy("priority"),
    gettext_lazy("task path"),
    gettext_lazy("worker id"),
    gettext_lazy("queue name"),
    gettext_lazy("backend name"),
    gettext_lazy("run after"),
    gettext_lazy("return value"),
    gettext_lazy("exception class path"),
    gettext_lazy("traceback"),
]
