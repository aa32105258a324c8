from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "kuulo.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from kuulo.feedback.signals import responses_deleted, responses_stored

        from . import aggregates

        # Aggregates change in the same transaction as the responses they count.
        responses_stored.connect(aggregates.on_stored, dispatch_uid="insights-stored")
        responses_deleted.connect(aggregates.on_deleted, dispatch_uid="insights-deleted")
