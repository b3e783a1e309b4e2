"""Open Graph and Twitter card values for pages shared on social media."""

from django import template
from django.conf import settings
from django.utils.translation import get_language

from config.links import public_url

register = template.Library()

# Open Graph wants language_TERRITORY.
OG_LOCALES = {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}


def og_locale_of(language: str) -> str:
    return OG_LOCALES.get(language, language.replace("-", "_"))


@register.simple_tag
def absolute_url(path: str) -> str:
    """``path`` as an absolute URL on the site's public address: crawlers of
    social media need the scheme and host, and a shared card must not point
    at whatever Host the page was requested with."""
    return public_url(path)


@register.simple_tag
def og_locale() -> str:
    return og_locale_of(get_language())


@register.simple_tag
def og_alternate_locales() -> list[str]:
    current = get_language()
    return [og_locale_of(code) for code, _name in settings.LANGUAGES if code != current]
