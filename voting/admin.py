from django.contrib import admin
from django.http import HttpRequest

from .models import JuryDecision, Vote


class ReadOnlyAdmin(admin.ModelAdmin):
    """Votes and decisions are written only by voting.services, never by a form."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["receipt", "round", "nomination", "cast_at", "status", "email_domain"]
    list_filter = ["round", "status", "nomination__municipality"]
    list_select_related = ["round", "nomination__municipality"]
    search_fields = ["receipt", "email_domain"]
    date_hierarchy = "cast_at"
    exclude = ["voter_key"]


@admin.register(JuryDecision)
class JuryDecisionAdmin(ReadOnlyAdmin):
    list_display = ["round", "winner", "recorded_at", "recorded_by"]
    list_select_related = ["round", "winner__municipality", "recorded_by"]
