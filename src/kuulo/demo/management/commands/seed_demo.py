"""Load the demo organisation (used by `make run`)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kuulo.demo.data import create_demo_api_key, create_demo_organisation, demo_password
from kuulo.demo.history import create_history
from kuulo.organisations.models import Organisation


class Command(BaseCommand):
    help = "Create the demo organisation with units and users in every role."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any organisation exists already."
        )
        parser.add_argument(
            "--days", type=int, default=365, help="Days of feedback history to generate (0: none)."
        )

    def handle(self, *args: Any, if_empty: bool = False, days: int = 365, **options: Any) -> None:
        if Organisation.objects.exists():
            if if_empty:
                return
            raise CommandError("The database already has an organisation; use a fresh database for the demo.")
        organisation = create_demo_organisation(demo_password())
        create_demo_api_key(organisation)
        self.stdout.write(f"Demo organisation created: {organisation.name_en}")
        if days:
            self.stdout.write(f"Generating {days} days of feedback history…")
            count = create_history(organisation, days=days)
            self.stdout.write(self.style.SUCCESS(f"{count} responses, verbal feedback and complaints added."))
