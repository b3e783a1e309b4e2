from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = _("Avstemning")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from config.pagecache import content_changed

        from . import (
            mail,  # noqa: F401  (connects the receiver that erases addresses)
            models,
        )

        # Public pages show results: a new tally, resolution or decision shows at once.
        for model in (models.Tally, models.TieResolution, models.JuryDecision):
            post_save.connect(content_changed, sender=model, dispatch_uid=f"pages-{model.__name__}")
