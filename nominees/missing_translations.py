"""Which of a round's texts have no nynorsk or English version yet, for the
staff's warning in the admin (a warning, never a block: the public pages show
the bokmål text where a translation is missing).

Read from modeltranslation's registry, not from a list of its own: every
model registered for translation that belongs to the round (the round itself,
its nominations, their key figures, and whatever is registered later with a
way to the round) and every translated field of it. A text that is empty in
bokmål too is not counted: there is nothing to translate."""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.text import capfirst, get_text_list
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation import settings as translation_settings
from modeltranslation.translator import translator
from modeltranslation.utils import build_localized_fieldname

from .models import PrizeRound

# Language names as they read inside a bokmål sentence ("mangler på nynorsk").
IN_A_SENTENCE = {"nb": _("bokmål"), "nn": _("nynorsk"), "en": _("engelsk")}


@dataclass(frozen=True)
class MissingText:
    """One translated field of one row, with the languages it lacks."""

    group: str  # "Runden", or the row under the round the text belongs to
    text: str  # the field, for a row below that one with the row named
    languages: tuple[str, ...]  # language codes


def language_name(code: str) -> str:
    return str(IN_A_SENTENCE.get(code) or dict(settings.LANGUAGES).get(code, code))


def path_to_round(model: type[models.Model], depth: int = 3) -> str | None:
    """The shortest lookup from ``model`` to its round along foreign keys
    ("" for the round itself, "nomination__round" for a key figure), or None."""
    if model is PrizeRound:
        return ""
    level = [("", model)]
    for _step in range(depth):
        following = []
        for path, current in level:
            for field in current._meta.get_fields():
                if not (field.many_to_one or field.one_to_one) or not field.concrete:
                    continue
                lookup = f"{path}__{field.name}" if path else field.name
                if field.related_model is PrizeRound:
                    return lookup
                following.append((lookup, field.related_model))
        level = following
    return None


def is_empty(value) -> bool:
    return not (value.strip() if isinstance(value, str) else value)


def missing_translations(prize_round: PrizeRound) -> list[MissingText]:
    """The round's texts that lack a language: the round's own first, then
    each row under it (nominations, by name) with the rows below it."""
    if prize_round.pk is None:
        return []
    source = translation_settings.DEFAULT_LANGUAGE
    others = [code for code in translation_settings.AVAILABLE_LANGUAGES if code != source]
    found: list[tuple[tuple, MissingText]] = []
    for position, model in enumerate(translator.get_registered_models(abstract=False)):
        path = path_to_round(model)
        if path is None:
            continue
        # In the order of the model's fields, as its form shows them.
        order_of = {field.name: i for i, field in enumerate(model._meta.fields)}
        names = sorted(
            translator.get_options_for_model(model).all_fields, key=lambda n: order_of.get(n, 0)
        )
        if path == "":
            rows = [prize_round]
        else:
            rows = model._default_manager.filter(**{path: prize_round}).select_related()
        for row in rows:
            group, prefix = describe(row, path)
            for name in names:
                if is_empty(getattr(row, build_localized_fieldname(name, source))):
                    continue
                lacking = tuple(
                    code
                    for code in others
                    if is_empty(getattr(row, build_localized_fieldname(name, code)))
                )
                if lacking:
                    text = str(model._meta.get_field(name).verbose_name)
                    key = (path != "", group, position)
                    found.append((key, MissingText(group, prefix + text, lacking)))
    found.sort(key=lambda item: item[0])  # stable: fields keep their registered order
    return [missing for _key, missing in found]


def describe(row: models.Model, path: str) -> tuple[str, str]:
    """The group a row's texts are listed under, and what precedes the field's
    name: a nomination's own texts under its name, a key figure's under its
    nomination's, named by the figure."""
    if path == "":
        return gettext("Runden"), ""
    hops = path.split("__")
    if len(hops) == 1:
        return f"{capfirst(row._meta.verbose_name)} {row}", ""
    parent = getattr(row, hops[0])
    return f"{capfirst(parent._meta.verbose_name)} {parent}", f"{row._meta.verbose_name} «{row}», "


def grouped(missing: list[MissingText]) -> list[tuple[str, list[str]]]:
    """Each group once, with its texts and the languages they lack in words:
    [("Nominasjon Gjøvik (2026)", ["sammendrag: mangler på engelsk", ...])]."""
    groups: dict[str, list[str]] = {}
    for item in missing:
        languages = get_text_list([language_name(code) for code in item.languages], gettext("og"))
        groups.setdefault(item.group, []).append(
            gettext("%(text)s: mangler på %(languages)s")
            % {"text": item.text, "languages": languages}
        )
    return list(groups.items())


def counts_by_language(missing: list[MissingText]) -> dict[str, int]:
    """How many texts lack each language, in the order of the languages."""
    counts = {
        code: sum(code in item.languages for item in missing)
        for code in translation_settings.AVAILABLE_LANGUAGES
    }
    return {code: count for code, count in counts.items() if count}
