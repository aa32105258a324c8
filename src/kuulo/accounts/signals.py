"""Audit sign-ins, sign-outs and failed sign-ins."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from kuulo.audit.services import record

from .identify import account_for_login


@receiver(user_logged_in)
def audit_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record("auth.login", request=request, actor=user, target=user)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record("auth.logout", request=request, actor=user, target=user)


@receiver(user_login_failed)
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    login = str(credentials.get("username") or credentials.get("email") or "")
    # Attributed to the account that was tried, so its organisation's admins see the attempt.
    record("auth.login_failed", request=request, target=account_for_login(login), target_label=login[:150])
