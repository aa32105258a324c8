"""Background work of the insights domain."""

from django.tasks import task

from . import alerts


@task
def send_insights() -> int:
    """Today's alerts and digests for every subscription; safe to run twice a day."""
    return alerts.run_daily()
