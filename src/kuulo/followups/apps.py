from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "kuulo.followups"
    label = "followups"
    verbose_name = _("Follow-ups")

    def ready(self) -> None:
        from kuulo.feedback.signals import contact_requested

        from . import services

        # A case is opened in the same transaction as the response and its contact details.
        contact_requested.connect(services.on_contact_requested, dispatch_uid="followups-contact")
