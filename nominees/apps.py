from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NomineesConfig(AppConfig):
    name = "nominees"
    verbose_name = _("Nominasjoner")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from config.pagecache import content_changed

        from . import models

        for model in (models.PrizeRound, models.Nomination, models.KeyFigure, models.Municipality):
            post_save.connect(content_changed, sender=model, dispatch_uid=f"pages-{model.__name__}")
            post_delete.connect(
                content_changed, sender=model, dispatch_uid=f"pages-{model.__name__}-"
            )
