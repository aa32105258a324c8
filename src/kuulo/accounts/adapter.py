"""allauth adapter: staff accounts are created by administrators, not by sign-up."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from kuulo.audit.services import record


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Audit-log the moment a username gets locked out by the failed-login throttle."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            login = credentials.get("username") or credentials.get("email") or ""
            record("auth.locked_out", request=request, target_label=str(login)[:150])
            raise
