from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = _("Avstemning")

    def ready(self) -> None:
        from . import mail  # noqa: F401  (connects the receiver that erases addresses)
