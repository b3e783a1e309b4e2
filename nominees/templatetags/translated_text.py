from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language
from modeltranslation.utils import build_localized_fieldname

register = template.Library()


@register.filter
def text_lang(obj, field: str) -> str:
    """` lang="nb"` where a translated field shows its bokmål fallback on a
    nynorsk or English page, so screen readers pronounce it as bokmål (WCAG
    3.1.2, language of parts); nothing where the text is in the page's language."""
    fallback = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    language = get_language()
    if language == fallback or getattr(obj, build_localized_fieldname(field, language), ""):
        return ""
    return format_html(' lang="{}"', fallback)
