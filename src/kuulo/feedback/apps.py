from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def install_catalogue(sender: AppConfig, **kwargs: Any) -> None:
    from .catalogue import install_standard_catalogue

    install_standard_catalogue()


class FeedbackConfig(AppConfig):
    name = "kuulo.feedback"
    label = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        # After every migrate and test-database flush, so the standard catalogue always exists.
        post_migrate.connect(install_catalogue, sender=self)
