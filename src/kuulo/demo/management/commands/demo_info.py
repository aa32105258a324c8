"""Print where the app runs and how to sign in (used by `make run`)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from kuulo.demo.data import DEMO_USERS, demo_password


class Command(BaseCommand):
    help = "Print the app's URL and the demo accounts."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, port: int = 8000, **options: Any) -> None:
        existing = set(
            get_user_model()
            .objects.filter(username__in=[u.username for u in DEMO_USERS])
            .values_list("username", flat=True)
        )
        lines = [
            "",
            f"  Kuulo is starting at http://127.0.0.1:{port}/",
            "",
            "  Demo accounts (password for all: " + demo_password() + "):",
        ]
        for user in DEMO_USERS[:6]:
            if user.username in existing:
                lines.append(f"    {user.username:<10} {user.description}")
        lines += ["", "  Stop with Ctrl+C.", ""]
        self.stdout.write("\n".join(lines))
