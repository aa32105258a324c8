"""Queue (or make now) every overdue webhook delivery and prune old ones; run every few
minutes from cron or a systemd timer."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from kuulo.webhooks import sending
from kuulo.webhooks.tasks import retry_due_deliveries


class Command(BaseCommand):
    help = "Retry webhook deliveries that are due: queued for the task worker, or now."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--now", action="store_true", help="Make the attempts here instead of queueing them."
        )

    def handle(self, *args: Any, now: bool = False, **options: Any) -> None:
        if now:
            sending.prune(timezone.now())
            attempted = [sending.attempt(pk) for pk in sending.due_ids(timezone.now())]
            self.stdout.write(f"{sum(d is not None for d in attempted)} deliveries attempted.")
        else:
            retry_due_deliveries.enqueue()
            self.stdout.write("Queued for the task worker.")
