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

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Failed sign-ins are counted per account, not per typed login: otherwise the
        username and the e-mail address of one account would each get their own guesses.
        A login that names no account is counted under what was typed."""
        return _attempts_key(_typed_login(credentials))

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Audit-log the moment an account gets locked out by the failed-login throttle
        (once per lock-out window, not for every refused attempt)."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            login = _typed_login(credentials)
            logged = f"lockout-logged:{_attempts_key(login)}"
            if cache.add(logged, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS):
                record(
                    "auth.locked_out",
                    request=request,
                    target=account_for_login(login),
                    target_label=login[:150],
                )
            raise


def _typed_login(credentials: dict[str, Any]) -> str:
    return str(credentials.get("username") or credentials.get("email") or "")


def _attempts_key(login: str) -> str:
    account = account_for_login(login)
    return f"account:{account.pk}" if account is not None else f"login:{login.lower()[:150]}"
