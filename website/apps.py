from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    """The public site: every page a visitor sees, the vote's included, and
    the template tags of those pages. It reads nominees and voting and builds
    each page's context, the round's result included; neither of them knows it."""

    name = "website"
