"""What the voting admin's pages share: read-only pages for the rows only
voting.services writes, and the audit entries the services write themselves."""

from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """Votes, tallies and decisions are written only by voting.services, never by a form."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class AuditedByService(admin.ModelAdmin):
    """The service that saves the object writes its audit entry, with the
    reason; the admin's own "Added."/"Changed." entry would only repeat it.
    The form chooses among existing rows only: no buttons to add or edit them."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(field.widget, RelatedFieldWidgetWrapper):
            field.widget.can_add_related = False
            field.widget.can_change_related = False
            field.widget.can_view_related = False
            field.widget.can_delete_related = False
        return field

    def log_addition(self, request, obj, message):
        pass

    def log_change(self, request, obj, message):
        pass
