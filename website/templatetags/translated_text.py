"""Texts of the public pages that may be shown in another language than the
page's: a translated field (django-modeltranslation) whose nynorsk or English
column is empty shows its bokmål text, and staff texts with no translation
(an image's alternative text, the jury's justification, a tie's reason) are
bokmål on every page.

One mechanism for all of them, asked with the object and the field's name:
- ``obj|text_lang:"field"`` gives ` lang="nb"` for the element that holds the
  text when it is not in the page's language, so screen readers pronounce it
  as bokmål (WCAG 3.1.2, language of parts), and nothing otherwise;
- ``obj|marked:"field"`` gives the text itself, inside ``<span lang="nb">``
  when it falls back, for a text inside a sentence;
- ``obj|own_text:"field"`` gives the text only if it is in the page's
  language ("" otherwise), for the page title and the sharing tags, which
  cannot mark a language;
- ``{% language_note %}…{% endlanguage_note %}`` (around the main content in
  base.html) puts one sentence, in the reader's language, before that content
  when any text inside it was marked as bokmål."""

from contextvars import ContextVar

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from modeltranslation.translator import NotRegistered, translator
from modeltranslation.utils import build_localized_fieldname

register = template.Library()

# The languages texts fell back to while the main content renders; None
# outside of ``{% language_note %}``.
fallen_back_to: ContextVar[set[str] | None] = ContextVar("fallen_back_to", default=None)


def source_language() -> str:
    return settings.MODELTRANSLATION_DEFAULT_LANGUAGE


def is_translated(obj, field: str) -> bool:
    try:
        options = translator.get_options_for_model(type(obj))
    except NotRegistered:
        return False
    return field in options.all_fields


def language_of(obj, field: str) -> str | None:
    """The language ``obj.field`` shows in if it is not the page's, else None
    (also for an empty text, which shows in no language)."""
    language = get_language()
    source = source_language()
    if obj is None or language == source or not getattr(obj, field, ""):
        return None
    if is_translated(obj, field) and getattr(obj, build_localized_fieldname(field, language), ""):
        return None
    return source


def noted(language: str | None) -> str | None:
    found = fallen_back_to.get()
    if language is not None and found is not None:
        found.add(language)
    return language


@register.filter
def text_lang(obj, field: str) -> str:
    language = noted(language_of(obj, field))
    return format_html(' lang="{}"', language) if language else ""


@register.filter
def marked(obj, field: str) -> str:
    text = getattr(obj, field, "") or ""
    language = noted(language_of(obj, field))
    if language:
        return format_html('<span lang="{}">{}</span>', language, text)
    return text


@register.filter
def own_text(obj, field: str) -> str:
    return "" if language_of(obj, field) else getattr(obj, field, "") or ""


class LanguageNoteNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context) -> str:
        token = fallen_back_to.set(set())
        try:
            content = self.nodelist.render(context)
            languages = fallen_back_to.get()
        finally:
            fallen_back_to.reset(token)
        if not languages:
            return content
        note = format_html(
            '<p class="language-note">{}</p>\n',
            _("Noe av teksten på denne siden finnes bare på bokmål."),
        )
        return note + content


@register.tag
def language_note(parser, token):
    nodelist = parser.parse(("endlanguage_note",))
    parser.delete_first_token()
    return LanguageNoteNode(nodelist)
