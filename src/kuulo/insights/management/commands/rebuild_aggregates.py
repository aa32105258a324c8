"""Recompute the dashboards' aggregates from raw responses."""

from typing import Any

from django.core.management.base import BaseCommand

from kuulo.feedback.models import Response
from kuulo.insights import aggregates
from kuulo.insights.models import DailyResponseCount


class Command(BaseCommand):
    help = (
        "Rebuild every aggregate table from the raw responses. The services keep them up to "
        "date; run this after changing responses outside them, or after an upgrade."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Only when there are responses but no aggregates yet (e.g. a database from before them).",
        )

    def handle(self, *args: Any, if_empty: bool = False, **options: Any) -> None:
        if if_empty and (DailyResponseCount.objects.exists() or not Response.objects.exists()):
            return
        written = aggregates.rebuild()
        summary = ", ".join(f"{count} {table}" for table, count in written.items())
        self.stdout.write(self.style.SUCCESS(f"Aggregates rebuilt: {summary} rows."))
