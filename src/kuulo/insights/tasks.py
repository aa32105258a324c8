"""Background work of the insights domain. Tasks take ids and are safe to run twice."""

from django.tasks import task

from . import alerts, exports, services


@task
def send_insights() -> int:
    """Today's alerts and digests for every subscription, and the monthly reports due;
    safe to run twice a day."""
    return alerts.run_daily() + services.run_schedules()


@task
def generate_report(report_id: int) -> None:
    """Read the figures of a queued PDF report and draw it."""
    services.generate_report(report_id)


@task
def make_export(export_id: int) -> None:
    """Read and write a queued export of single responses."""
    exports.make_export(export_id)
