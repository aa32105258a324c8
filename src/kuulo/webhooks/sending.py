"""Sending one delivery: claim it, sign it, post it, and record how it went.

Safe to run twice and from several workers: an attempt starts with a conditional
UPDATE that only one worker can win (`claim`). A worker that dies mid-attempt leaves
the delivery "being sent"; after `STALE_CLAIM` the retry sweep may take it again.

Only http(s) addresses are called, redirects are never followed, and the address is
resolved once, checked (no private, loopback or link-local networks unless
`KUULO_WEBHOOKS_ALLOW_PRIVATE_NETWORKS`), and that very IP address is connected to,
so a receiver's DNS cannot point Kuulo at its own network after the check.
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from .models import Delivery, DeliveryStatus

TIMEOUT_SECONDS = 10
# Waits after the 1st, 2nd, … failed attempt; after the last one the delivery is given up.
BACKOFF = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
]
MAX_ATTEMPTS = len(BACKOFF) + 1
STALE_CLAIM = timedelta(minutes=5)  # far longer than one attempt can take
RETENTION = timedelta(days=30)  # how long finished deliveries stay in the log
RESPONSE_BYTES_READ = 64 * 1024  # what is read of a receiver's answer (it is not kept)
USER_AGENT = "Kuulo-Webhooks/1"


# Stored in English and translated when the log is shown (they become msgids through gettext_noop).
SWITCHED_OFF = gettext_noop("The webhook was switched off.")
REDIRECTED = gettext_noop(
    "The receiver answered with a redirect, which is not followed: use the final address."
)
ERROR_STATUS = gettext_noop("The receiver answered with an error.")
TIMED_OUT = gettext_noop("The receiver did not answer within 10 seconds.")
NOT_HTTP = gettext_noop("Only http and https addresses can be called.")
UNRESOLVED = gettext_noop("The host name could not be resolved.")
PRIVATE_NETWORK = gettext_noop("The address is in a private network, which webhooks may not call.")


class DeliveryError(Exception):
    """Why an attempt failed before an HTTP status came back (short, shown in the log)."""


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    elapsed_ms: int


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Kuulo-Signature` value: HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def body_of(delivery: Delivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()


def claim(delivery_id: int, now: datetime) -> bool:
    """Take the delivery's next attempt if it is due and nobody else holds it."""
    due = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now)
    abandoned = Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
    taken = Delivery.objects.filter(due | abandoned, pk=delivery_id, endpoint__active=True).update(
        status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return taken == 1


def attempt(delivery_id: int) -> Delivery | None:
    """Make the delivery's next attempt. Returns it afterwards, or None when there was
    nothing to do (delivered already, not due yet, taken by another worker)."""
    now = timezone.now()
    _give_up_if_switched_off(delivery_id)
    if not claim(delivery_id, now):
        return None
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:  # the endpoint was deleted in the meantime
        return None
    outcome = post(delivery, now)
    result: dict[str, Any] = {
        "last_attempt_at": now,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error[:300],
        "response_ms": outcome.elapsed_ms,
        "claimed_at": None,
        "next_attempt_at": None,
    }
    if outcome.status_code is not None and 200 <= outcome.status_code < 300:
        result |= {"status": DeliveryStatus.SUCCEEDED, "delivered_at": timezone.now()}
    elif delivery.attempts >= MAX_ATTEMPTS:
        result |= {"status": DeliveryStatus.GIVEN_UP}
    else:
        result |= {"status": DeliveryStatus.FAILED, "next_attempt_at": now + BACKOFF[delivery.attempts - 1]}
    # An UPDATE rather than save(): a delivery deleted meanwhile (with its endpoint) stays deleted.
    Delivery.objects.filter(pk=delivery.pk).update(**result)
    for name, value in result.items():
        setattr(delivery, name, value)
    return delivery


def _give_up_if_switched_off(delivery_id: int) -> None:
    Delivery.objects.filter(
        pk=delivery_id,
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
        endpoint__active=False,
    ).update(status=DeliveryStatus.GIVEN_UP, next_attempt_at=None, last_error=SWITCHED_OFF)


def due_ids(now: datetime, grace: timedelta = timedelta(0)) -> list[int]:
    """Deliveries whose attempt is overdue by more than `grace` (the retry sweep's list)."""
    overdue = Q(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
        next_attempt_at__lte=now - grace,
    )
    abandoned = Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
    return list(
        Delivery.objects.filter(overdue | abandoned).order_by("next_attempt_at").values_list("pk", flat=True)
    )


def prune(now: datetime) -> int:
    """Delete finished deliveries older than `RETENTION`: their payloads copy response data,
    which must not long outlive a response deleted on request."""
    finished = [DeliveryStatus.SUCCEEDED, DeliveryStatus.GIVEN_UP]
    deleted, _ = Delivery.objects.filter(status__in=finished, created_at__lt=now - RETENTION).delete()
    return deleted


def post(delivery: Delivery, now: datetime) -> Outcome:
    """Post the signed payload once; never raises for what the network or receiver does."""
    body = body_of(delivery)
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Kuulo-Event": delivery.event,
        "X-Kuulo-Delivery": str(delivery.event_id),
        "X-Kuulo-Timestamp": timestamp,
        "X-Kuulo-Signature": sign(delivery.endpoint.secret, timestamp, body),
    }
    started = time.monotonic()
    status_code, error = None, ""
    try:
        status_code = _post(delivery.endpoint.url, body, headers)
        if 300 <= status_code < 400:
            error = REDIRECTED
        elif not 200 <= status_code < 300:
            error = ERROR_STATUS
    except DeliveryError as failure:
        error = str(failure)
    except TimeoutError:
        error = TIMED_OUT
    except (OSError, http.client.HTTPException) as failure:
        error = f"{type(failure).__name__}: {failure}"
    elapsed_ms = int((time.monotonic() - started) * 1000)
    return Outcome(status_code=status_code, error=error, elapsed_ms=elapsed_ms)


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError(NOT_HTTP)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = _vetted_address(parts.hostname, port)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        context = ssl.create_default_context()
        connection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=TIMEOUT_SECONDS)
    # Connect to the address checked above; TLS still verifies the certificate for the host name.
    connection._create_connection = lambda _address, timeout, source: socket.create_connection(  # type: ignore[attr-defined]
        (address, port), timeout, source
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(RESPONSE_BYTES_READ)
        return response.status
    finally:
        connection.close()


def _vetted_address(host: str, port: int) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as failure:
        raise DeliveryError(UNRESOLVED) from failure
    addresses = [str(info[4][0]) for info in infos]
    if not settings.KUULO_WEBHOOKS_ALLOW_PRIVATE_NETWORKS:
        for address in addresses:
            if not _is_public(address):
                raise DeliveryError(PRIVATE_NETWORK)
    return str(addresses[0])


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def retry_at(delivery: Delivery) -> Any:
    """When the failed delivery's next attempt is due (None when it is not going to be retried)."""
    return delivery.next_attempt_at if delivery.status == DeliveryStatus.FAILED else None
