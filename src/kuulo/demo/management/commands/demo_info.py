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
        names = [demo.username for demo in DEMO_USERS]
        users = {user.username: user for user in get_user_model().objects.filter(username__in=names)}
        password = demo_password()
        admin = users.get("admin")
        if admin is not None and not admin.check_password(password):
            password = "(the one in use when the demo was loaded; `manage.py changepassword admin` resets it)"  # noqa: S105
        lines = [
            "",
            f"  Kuulo is starting at http://127.0.0.1:{port}/",
            "",
            f"  Demo accounts (password for all: {password}):",
        ]
        for user in DEMO_USERS[:6]:
            if user.username in users:
                lines.append(f"    {user.username:<10} {user.description}")
        lines += ["", "  Stop with Ctrl+C.", ""]
        self.stdout.write("\n".join(lines))
