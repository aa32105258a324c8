"""Delete what is past its retention period (run once a day from cron or a systemd timer)."""

from typing import Any

from django.core.management.base import BaseCommand

from kuulo.privacy import retention


class Command(BaseCommand):
    help = "Delete or empty every kind of data past its organisation's retention period, and record it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be removed.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        results = retention.apply_everywhere(dry_run=dry_run)
        verb = "would be removed" if dry_run else "removed"
        for organisation, counts in results.items():
            summary = ", ".join(f"{kind} {count}" for kind, count in counts.items() if count) or "nothing"
            self.stdout.write(f"{organisation}: {summary} {verb}.")
