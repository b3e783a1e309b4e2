"""Open Graph and Twitter card values for pages shared on social media."""

from django import template
from django.conf import settings
from django.utils.translation import get_language

register = template.Library()

# Open Graph wants language_TERRITORY.
OG_LOCALES = {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}


def og_locale_of(language: str) -> str:
    return OG_LOCALES.get(language, language.replace("-", "_"))


@register.simple_tag(takes_context=True)
def absolute_url(context, path: str) -> str:
    """``path`` as an absolute URL on the host the page was requested from:
    crawlers of social media need the scheme and host."""
    return context["request"].build_absolute_uri(path)


@register.simple_tag
def og_locale() -> str:
    return og_locale_of(get_language())


@register.simple_tag
def og_alternate_locales() -> list[str]:
    current = get_language()
    return [og_locale_of(code) for code, _name in settings.LANGUAGES if code != current]
