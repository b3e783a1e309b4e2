"""The confirmation e-mails: how many wait, fail and were given up, and a
button that sends the given-up ones again. Counts only: no address, no link,
no row of its own."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from .. import confirmation, mail
from ..models import GivenUpEmail

PERMISSION = "voting.retry_confirmation_email"


@admin.register(GivenUpEmail)
class ConfirmationEmailsAdmin(admin.ModelAdmin):
    """The admin's index links here as "Bekreftelses-e-poster"; the page is the
    queue's counts, not a list of rows."""

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return obj is None and request.user.has_perm(PERMISSION)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "",
                self.admin_site.admin_view(self.changelist_view),
                name="voting_givenupemail_changelist",
            ),
            path(
                "retry/",
                self.admin_site.admin_view(self.retry_view),
                name="voting_givenupemail_retry",
            ),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Bekreftelses-e-poster"),
            "opts": self.model._meta,
            "queue": mail.queue_status(),
            "valid_hours": confirmation.valid_hours(),
            "max_attempts": settings.CONFIRMATION_EMAIL_MAX_ATTEMPTS,
            "failed_tasks_url": (
                reverse("admin:django_tasks_database_dbtaskresult_changelist")
                + "?status__exact=FAILED"
                if request.user.has_perm("django_tasks_database.view_dbtaskresult")
                else None
            ),
        }
        return TemplateResponse(request, "admin/voting/confirmation_emails.html", context)

    @method_decorator(require_POST)
    def retry_view(self, request: HttpRequest) -> HttpResponseRedirect:
        if not self.has_view_permission(request):
            raise PermissionDenied
        retried = mail.retry_given_up(retried_by=request.user)
        if retried:
            self.message_user(
                request,
                ngettext(
                    "%(count)d e-post er lagt i køen igjen.",
                    "%(count)d e-poster er lagt i køen igjen.",
                    retried,
                )
                % {"count": retried},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                gettext("Ingen e-poster som ble gitt opp, har en lenke som fortsatt virker."),
                messages.WARNING,
            )
        return HttpResponseRedirect(reverse("admin:voting_givenupemail_changelist"))
