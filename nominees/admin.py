from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from config.admin import InlineFormSet

from .models import KeyFigure, Municipality, Nomination, PrizeRound

SCHEDULE_HELP = _(
    "Fasen regnes ut fra tidsplanen (norsk tid). Hvert tidspunkt må komme etter det forrige."
)


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "number", "county"]
    search_fields = ["name", "number"]
    list_filter = ["county"]
    prepopulated_fields = {"slug": ["name"]}


class NominationInline(admin.TabularInline):
    model = Nomination
    fields = ["municipality", "display_order"]
    autocomplete_fields = ["municipality"]
    show_change_link = True
    extra = 0


@admin.register(PrizeRound)
class PrizeRoundAdmin(TranslationAdmin):
    # Title and intro in bokmål (required), nynorsk and English (blank shows bokmål).
    list_display = ["year", "title", "phase_label", "voting_opens_at", "voting_closes_at"]
    search_fields = ["title", "year"]
    readonly_fields = ["phase_label", "phase_in_words"]
    inlines = [NominationInline]
    fieldsets = [
        (None, {"fields": ["year", "title", "intro", "phase_label", "phase_in_words"]}),
        (
            _("Tidsplan"),
            {
                "description": SCHEDULE_HELP,
                "fields": [
                    "nominees_published_at",
                    "voting_opens_at",
                    "voting_closes_at",
                    "finalists_announced_at",
                    "winner_announced_at",
                ],
            },
        ),
        (
            _("Finalister og vinner"),
            {"fields": ["finalist_count", "winner_rule", "publish_vote_counts"]},
        ),
    ]

    @admin.display(description=_("fase"))
    def phase_label(self, obj: PrizeRound) -> str:
        return obj.phase().label if obj.pk else "–"

    @admin.display(description=_("fase i ord"))
    def phase_in_words(self, obj: PrizeRound) -> str:
        return obj.phase_in_words() if obj.pk else "–"


class KeyFigureInline(TranslationTabularInline):
    model = KeyFigure
    formset = InlineFormSet  # a repeated place is named "plass", not "position"
    fields = ["position", "label", "value"]
    extra = 1
    # A label in three languages and a value side by side: the admin's wide
    # text inputs would run the table past a 1280 px window.
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 16})}}


@admin.register(Nomination)
class NominationAdmin(TranslationAdmin):
    # Summary, justification and key figure labels in bokmål, nynorsk and
    # English; a blank nynorsk or English text shows the bokmål one.
    list_display = ["municipality", "round", "display_order"]
    list_filter = ["round"]
    list_select_related = ["municipality", "round"]
    search_fields = ["municipality__name", "municipality__number"]
    autocomplete_fields = ["municipality"]
    inlines = [KeyFigureInline]
    # A "read more" address typed without its scheme (imdi.no/...) is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = [
        "round",
        "municipality",
        "display_order",
        "summary",
        "justification",
        "image",
        "image_alt",
        "read_more_url",
    ]
