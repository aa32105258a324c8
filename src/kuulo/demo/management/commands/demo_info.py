"""Print where the app runs and how to sign in (used by `make run`)."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from kuulo.demo.data import DEMO_API_KEY_FILE, DEMO_USERS, demo_password
from kuulo.feedback.models import SurveyPublication
from kuulo.organisations.services import authenticate_api_key


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
        key_file = Path(settings.VAR_DIR) / DEMO_API_KEY_FILE
        if key_file.exists() and authenticate_api_key(key_file.read_text().strip()):
            link = (
                SurveyPublication.objects.filter(
                    active=True, survey__questions__item_version__item__code="csat"
                )
                .values_list("code", flat=True)
                .first()
            )
            lines += [
                "",
                f"  Demo API key: {key_file.read_text().strip()}",
                "    curl -H 'Authorization: Bearer <key>' -H 'Content-Type: application/json' \\",
                f'         -d \'{{"link": "{link}", "answers": {{"csat": 5}}}}\' \\',
                f"         http://127.0.0.1:{port}/api/v1/responses",
            ]
        lines += ["", "  Stop with Ctrl+C.", ""]
        self.stdout.write("\n".join(lines))
