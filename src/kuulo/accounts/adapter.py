"""allauth adapter: staff accounts are created by administrators, not by sign-up."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from kuulo.audit.services import record

from .identify import account_for_login


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Audit-log the moment an account gets locked out by the failed-login throttle
        (once per lock-out window, not for every refused attempt)."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            login = str(credentials.get("username") or credentials.get("email") or "")
            if cache.add(f"lockout-logged:{login.lower()[:150]}", 1, timeout=settings.LOGIN_LOCKOUT_SECONDS):
                record(
                    "auth.locked_out",
                    request=request,
                    target=account_for_login(login),
                    target_label=login[:150],
                )
            raise
