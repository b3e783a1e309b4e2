"""Nominee texts in nynorsk and English beside bokmål (django-modeltranslation).

Each field gets ``_nb``, ``_nn`` and ``_en`` columns; reading the plain field
gives the active language's text, or the bokmål text when that one is empty
(MODELTRANSLATION_FALLBACK_LANGUAGES)."""

from modeltranslation.translator import TranslationOptions, register

from .models import KeyFigure, Nomination, PrizeRound


@register(PrizeRound)
class PrizeRoundTranslation(TranslationOptions):
    fields = ("title", "intro")
    required_languages = ("nb",)


@register(Nomination)
class NominationTranslation(TranslationOptions):
    fields = ("summary", "justification", "image_alt")


@register(KeyFigure)
class KeyFigureTranslation(TranslationOptions):
    fields = ("label",)
    required_languages = ("nb",)
