"""Writing to the audit log. Every app records through `record()`."""

from typing import Any

from django.db import models
from django.http import HttpRequest

from kuulo.core.http import client_ip
from kuulo.core.registry import registry

from .models import AuditEvent


def record(
    action: str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    target: models.Model | None = None,
    target_label: str = "",
    organisation: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. The actor defaults to the request's user; the
    organisation to the target's or the actor's organisation."""
    if action not in registry.audit_actions:
        raise ValueError(f"Unknown audit action {action!r}: declare it in its app's declarations.py")
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if organisation is None:
        organisation = organisation_of(target) or organisation_of(actor)
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_label=(actor.get_username() if actor is not None else "")[:200],
        organisation=organisation,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(target_label or (str(target) if target is not None else ""))[:200],
        ip_address=client_ip(request),
        details=details or {},
    )


def organisation_of(obj: Any) -> Any:
    """The organisation an object belongs to, if it has one."""
    if obj is None:
        return None
    if obj._meta.label_lower == "organisations.organisation":
        return obj
    if hasattr(obj, "organisation_id"):
        return obj.organisation
    membership = getattr(obj, "membership", None)  # users: their organisation membership
    return membership.organisation if membership is not None else None
