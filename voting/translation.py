"""The jury's justification in nynorsk and English beside bokmål, as the
nominee texts (nominees/translation.py): ``justification_nb``, ``_nn`` and
``_en``, reading the plain field gives the active language's text or the
bokmål one."""

from modeltranslation.translator import TranslationOptions, register

from .models import JuryDecision


@register(JuryDecision)
class JuryDecisionTranslation(TranslationOptions):
    fields = ("justification",)
