"""Queue today's alerts, digests and monthly PDF reports (run once a day from cron or a systemd timer)."""

from typing import Any

from django.core.management.base import BaseCommand

from kuulo.insights import alerts, services
from kuulo.insights.tasks import send_insights


class Command(BaseCommand):
    help = (
        "Check every alert subscription, send due digests and queue the monthly reports due: "
        "queued for the task worker, or now."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--now", action="store_true", help="Run here instead of queueing for the worker.")

    def handle(self, *args: Any, now: bool = False, **options: Any) -> None:
        if now:
            self.stdout.write(f"{alerts.run_daily()} notifications created.")
            self.stdout.write(f"{services.run_schedules()} monthly reports queued.")
        else:
            send_insights.enqueue()
            self.stdout.write("Queued for the task worker.")
