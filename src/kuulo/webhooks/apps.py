from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "kuulo.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from kuulo.feedback.signals import complaint_saved
        from kuulo.improvements.signals import action_changed

        from . import events

        # Deliveries are written in the same transaction as what they report. Responses are
        # not sent as they arrive: a day's are released once it is over (events.release_responses).
        complaint_saved.connect(events.on_complaint_saved, dispatch_uid="webhooks-complaints")
        action_changed.connect(events.on_action_changed, dispatch_uid="webhooks-actions")
