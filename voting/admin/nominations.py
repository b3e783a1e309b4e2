"""Nominations and municipalities, whose rows the vote fixes once it opens
(voting.services.changes): nominees' own pages, with what is fixed shown
read-only, refused when posted anyway, and saved through the service."""

from django.contrib import admin

from nominees.admin import MunicipalityAdmin, NominationAdmin
from nominees.models import Municipality, Nomination

from .frozen import FixedByTheVote

admin.site.unregister(Nomination)
admin.site.unregister(Municipality)


@admin.register(Nomination)
class FixedNominationAdmin(FixedByTheVote, NominationAdmin):
    pass


@admin.register(Municipality)
class FixedMunicipalityAdmin(FixedByTheVote, MunicipalityAdmin):
    # Named, so the form's correction reason shows only where it belongs.
    fields = ["name", "number", "county", "slug"]
