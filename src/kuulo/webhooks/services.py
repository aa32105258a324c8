"""Every write to webhooks made by people: endpoints, secrets, test events, redeliveries.
Atomic and audited. Deliveries caused by responses, complaints and actions are made by
`events.py` inside the transaction of their cause."""

import secrets
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kuulo.audit.services import record
from kuulo.organisations.models import Organisation, Unit

from . import events
from .models import Delivery, Endpoint, Event, Topic

FIELDS = {"name", "url", "unit", "topics", "active"}


def new_secret() -> str:
    return f"whsec_{secrets.token_hex(24)}"


def _check(endpoint: Endpoint) -> None:
    errors = {}
    if not endpoint.topics:
        errors["topics"] = _("Choose at least one kind of event.")
    elif set(endpoint.topics) - set(Topic.values):
        errors["topics"] = _("Choose from the events offered.")
    if endpoint.unit is not None and endpoint.unit.organisation_id != endpoint.organisation_id:
        errors["unit"] = _("The unit must belong to your organisation.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_endpoint(
    *,
    organisation: Organisation,
    name: str,
    url: str,
    topics: list[str],
    unit: Unit | None = None,
    active: bool = True,
    created_by: Any = None,
    request: HttpRequest | None = None,
) -> tuple[Endpoint, str]:
    """A new endpoint and its signing secret (shown to the admin once; rotate to get a new one)."""
    endpoint = Endpoint(
        organisation=organisation,
        name=name,
        url=url,
        unit=unit,
        topics=sorted(topics),
        active=active,
        secret=new_secret(),
        created_by=created_by,
    )
    _check(endpoint)
    endpoint.full_clean()
    endpoint.save()
    record("webhook.created", request=request, target=endpoint, details=_details(endpoint))
    return endpoint, endpoint.secret


@transaction.atomic
def update_endpoint(endpoint: Endpoint, *, request: HttpRequest | None = None, **fields: Any) -> Endpoint:
    if unexpected := set(fields) - FIELDS:
        raise TypeError(f"update_endpoint cannot set {sorted(unexpected)}")
    for name, value in fields.items():
        setattr(endpoint, name, sorted(value) if name == "topics" else value)
    _check(endpoint)
    endpoint.full_clean()
    endpoint.save()
    record("webhook.updated", request=request, target=endpoint, details=_details(endpoint))
    return endpoint


@transaction.atomic
def rotate_secret(endpoint: Endpoint, *, request: HttpRequest | None = None) -> str:
    """A new secret; deliveries from now on (retries too) are signed with it."""
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    record("webhook.secret_rotated", request=request, target=endpoint)
    return endpoint.secret


@transaction.atomic
def delete_endpoint(endpoint: Endpoint, *, request: HttpRequest | None = None) -> None:
    """Remove the endpoint with its delivery log."""
    record("webhook.deleted", request=request, target=endpoint, details=_details(endpoint))
    endpoint.delete()


@transaction.atomic
def send_test_event(endpoint: Endpoint, *, request: HttpRequest | None = None) -> Delivery:
    """A `ping` event that lets an admin check the receiver (only while switched on)."""
    if not endpoint.active:
        raise ValidationError(_("Switch the webhook on first."))
    [delivery] = events.create_deliveries([events.delivery_for(endpoint, Event.PING, events.ping_payload())])
    record("webhook.tested", request=request, target=endpoint)
    return delivery


@transaction.atomic
def redeliver(delivery: Delivery, *, request: HttpRequest | None = None) -> Delivery:
    """The same event (same id and payload) once more, as a new delivery with its own attempts."""
    endpoint = delivery.endpoint
    if not endpoint.active:
        raise ValidationError(_("Switch the webhook on first."))
    if not delivery.can_redeliver:
        raise ValidationError(_("This delivery is still on its way."))
    again = events.delivery_for(
        endpoint, delivery.event, delivery.payload["data"], event_id=delivery.event_id
    )
    again.payload = delivery.payload
    [created] = events.create_deliveries([again])
    record(
        "webhook.redelivered", request=request, target=endpoint, details={"event_id": str(delivery.event_id)}
    )
    return created


def _details(endpoint: Endpoint) -> dict[str, Any]:
    return {
        # Only the host: some receivers (chat webhooks) carry their own secret in the path.
        "host": urlsplit(endpoint.url).hostname,
        "topics": endpoint.topics,
        "unit": endpoint.unit.code if endpoint.unit else None,
        "active": endpoint.active,
    }
