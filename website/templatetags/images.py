"""Nominee images on the public pages."""

import logging

from django import template

register = template.Library()
logger = logging.getLogger(__name__)


@register.filter
def dimensions(image) -> dict[str, int] | None:
    """The stored image's width and height in pixels, for the ``<img>``'s
    width and height (the browser keeps the room free while it loads, so the
    page does not jump); None when the file cannot be read, and the page
    shows no image rather than failing."""
    if not image:
        return None
    try:
        return {"width": image.width, "height": image.height}
    except (OSError, ValueError, TypeError) as error:
        logger.warning("Nominee image %s not shown: %s", image.name, type(error).__name__)
        return None
