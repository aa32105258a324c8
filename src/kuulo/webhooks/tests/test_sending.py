"""Sending deliveries to a real HTTP receiver: signatures, retries with backoff, giving
up, one attempt at a time, and addresses Kuulo must not call."""

import hashlib
import hmac
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.tasks import task_backends
from django.utils import timezone, translation

from kuulo.organisations.testing import World
from kuulo.webhooks import sending, services, tasks
from kuulo.webhooks.models import Delivery, DeliveryStatus, Endpoint, Topic
from kuulo.webhooks.testing import Receiver


def endpoint_at(world: World, url: str) -> Endpoint:
    return services.create_endpoint(organisation=world.org, name="Jira", url=url, topics=list(Topic.values))[
        0
    ]


def ping(endpoint: Endpoint, capture: Any) -> Delivery:
    """A test event, sent as the admin's button sends it (the task runs after the commit)."""
    with capture(execute=True):
        delivery = services.send_test_event(endpoint)
    delivery.refresh_from_db()
    return delivery


def make_due(delivery: Delivery) -> None:
    """Let the backoff pass."""
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))


def test_the_signature_is_an_hmac_of_timestamp_and_body_with_the_endpoints_secret(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint = endpoint_at(world, receiver.url)
    delivery = ping(endpoint, django_capture_on_commit_callbacks)
    [request] = receiver.received
    assert request.path == "/hooks/kuulo"
    headers = request.headers
    assert headers["Content-Type"] == "application/json" and headers["X-Kuulo-Event"] == "ping"
    assert headers["X-Kuulo-Delivery"] == str(delivery.event_id) == request.payload["id"]
    expected = hmac.new(
        endpoint.secret.encode(), headers["X-Kuulo-Timestamp"].encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(headers["X-Kuulo-Signature"], f"sha256={expected}")
    assert abs(int(headers["X-Kuulo-Timestamp"]) - timezone.now().timestamp()) < 60
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 1
    assert delivery.last_status_code == 200 and delivery.response_ms is not None and delivery.delivered_at


def test_a_rotated_secret_signs_from_then_on(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint = endpoint_at(world, receiver.url)
    old = endpoint.secret
    new = services.rotate_secret(endpoint)
    assert new != old and Endpoint.objects.get().secret == new
    ping(endpoint, django_capture_on_commit_callbacks)
    request = receiver.received[0]
    signed = request.headers["X-Kuulo-Timestamp"].encode() + b"." + request.body
    assert (
        request.headers["X-Kuulo-Signature"]
        == "sha256=" + hmac.new(new.encode(), signed, hashlib.sha256).hexdigest()
    )


def test_a_failed_delivery_is_retried_after_the_backoff_and_succeeds(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.statuses = [500]
    delivery = ping(endpoint_at(world, receiver.url), django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert delivery.last_status_code == 500 and delivery.last_error == sending.ERROR_STATUS
    assert delivery.next_attempt_at is not None
    wait = delivery.next_attempt_at - delivery.last_attempt_at  # type: ignore[operator]
    assert wait == sending.BACKOFF[0] == timedelta(minutes=1)
    call_command("retry_due_deliveries")  # not due yet: nothing is sent
    assert len(receiver.received) == 1
    make_due(delivery)
    call_command("retry_due_deliveries")  # queues it; this test's backend runs it at once
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 2
    assert delivery.last_status_code == 200 and delivery.last_error == "" and delivery.next_attempt_at is None
    first, second = receiver.received
    assert (
        first.headers["X-Kuulo-Delivery"] == second.headers["X-Kuulo-Delivery"] and first.body == second.body
    )


def test_a_backend_that_can_defer_gets_the_retry_with_run_after(
    world: World, receiver: Receiver, settings: Any
) -> None:
    receiver.statuses = [503]
    endpoint = endpoint_at(world, receiver.url)
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    delivery = services.send_test_event(endpoint)
    assert tasks.deliver.call(delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    [queued] = task_backends["default"].results  # type: ignore[attr-defined]
    assert delivery.next_attempt_at is not None and queued.args == [delivery.pk]
    # At the next attempt's time, rounded up to a whole second (RQ rounds down).
    assert queued.task.run_after.microsecond == 0
    assert timedelta(0) <= queued.task.run_after - delivery.next_attempt_at < timedelta(seconds=1)
    assert delivery.next_attempt_at - timezone.now() > timedelta(seconds=50)


def test_a_delivery_is_given_up_after_the_last_attempt(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.statuses = [500] * 10
    delivery = ping(endpoint_at(world, receiver.url), django_capture_on_commit_callbacks)
    waits = []
    while delivery.status == DeliveryStatus.FAILED:
        waits.append(delivery.next_attempt_at - delivery.last_attempt_at)  # type: ignore[operator]
        make_due(delivery)
        call_command("retry_due_deliveries", "--now")
        delivery.refresh_from_db()
    assert waits == sending.BACKOFF  # 1 min, 5 min, 30 min, 2 h, 12 h
    assert delivery.status == DeliveryStatus.GIVEN_UP and delivery.attempts == sending.MAX_ATTEMPTS == 6
    assert delivery.next_attempt_at is None and len(receiver.received) == 6
    assert sending.attempt(delivery.pk) is None and len(receiver.received) == 6


def test_only_one_worker_takes_an_attempt(world: World) -> None:
    endpoint = endpoint_at(world, "https://hooks.example.fi/")
    delivery = services.send_test_event(endpoint)
    now = timezone.now()
    assert sending.claim(delivery.pk, now) is True
    assert sending.claim(delivery.pk, now) is False  # the second worker finds it taken
    assert sending.attempt(delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENDING and delivery.attempts == 1
    # A worker that died mid-attempt: after a while the sweep may take the delivery again.
    assert delivery.pk not in sending.due_ids(now)
    later = now + sending.STALE_CLAIM + timedelta(seconds=1)
    assert delivery.pk in sending.due_ids(later)
    assert sending.claim(delivery.pk, later) is True


def test_private_addresses_are_not_called_unless_allowed(
    world: World, receiver: Receiver, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.KUULO_WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    delivery = ping(endpoint_at(world, receiver.url), django_capture_on_commit_callbacks)
    assert receiver.received == []
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_error == sending.PRIVATE_NETWORK
    assert delivery.last_status_code is None


@pytest.mark.parametrize("address", ["10.1.2.3", "169.254.169.254", "::1", "::ffff:127.0.0.1", "100.64.0.1"])
def test_private_and_special_networks_are_recognised(address: str) -> None:
    assert not sending._is_public(address)


def test_public_addresses_are_allowed() -> None:
    assert sending._is_public("93.184.215.14") and sending._is_public("2606:4700::1111")


def test_redirects_are_not_followed(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.statuses = [302]
    receiver.redirect_to = "http://169.254.169.254/latest/meta-data/"
    delivery = ping(endpoint_at(world, receiver.url), django_capture_on_commit_callbacks)
    assert len(receiver.received) == 1
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_status_code == 302
    assert delivery.last_error == sending.REDIRECTED


def test_an_unreachable_receiver_is_a_failed_attempt(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.KUULO_WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    delivery = ping(
        endpoint_at(world, "http://127.0.0.1:9/"), django_capture_on_commit_callbacks
    )  # discard port
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert "Connection" in delivery.last_error and delivery.last_status_code is None


def test_a_switched_off_endpoints_waiting_deliveries_are_given_up(world: World, receiver: Receiver) -> None:
    endpoint = endpoint_at(world, receiver.url)
    delivery = services.send_test_event(endpoint)  # its task would run after the commit
    services.update_endpoint(endpoint, active=False)
    assert sending.attempt(delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.GIVEN_UP and delivery.last_error == sending.SWITCHED_OFF
    assert receiver.received == [] and delivery.attempts == 0


def test_a_redelivery_sends_the_same_event_again(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.statuses = [500]
    endpoint = endpoint_at(world, receiver.url)
    failed = ping(endpoint, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.redeliver(failed)
    again.refresh_from_db()
    assert again.pk != failed.pk and again.event_id == failed.event_id and again.payload == failed.payload
    assert again.status == DeliveryStatus.SUCCEEDED and again.attempts == 1
    assert receiver.received[0].body == receiver.received[1].body


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://hooks.example.fi/kuulo", True),
        ("http://localhost:8080/hook", True),
        ("http://127.0.0.1/hook", True),
        ("http://hooks.example.fi/kuulo", False),
        ("ftp://hooks.example.fi/", False),
        ("https://user:secret@hooks.example.fi/", False),
    ],
)
def test_addresses_must_be_https_except_on_this_machine(world: World, url: str, accepted: bool) -> None:
    if accepted:
        assert endpoint_at(world, url).url == url
    else:
        with translation.override("en"), pytest.raises(ValidationError, match=r"address|https"):
            endpoint_at(world, url)


def test_unit_scope_must_be_in_the_organisation(world: World) -> None:
    with translation.override("en"), pytest.raises(ValidationError, match="organisation"):
        services.create_endpoint(
            organisation=world.org,
            name="X",
            url="https://x.example.fi/",
            topics=["responses"],
            unit=world.other_org_unit,
        )
    assert not Endpoint.objects.exists()


def test_finished_deliveries_are_pruned_after_the_retention(world: World) -> None:
    endpoint = endpoint_at(world, "https://hooks.example.fi/")
    old_success, old_failure, recent = (services.send_test_event(endpoint) for _ in range(3))
    Delivery.objects.filter(pk=old_success.pk).update(status=DeliveryStatus.SUCCEEDED)
    Delivery.objects.filter(pk=old_failure.pk).update(
        status=DeliveryStatus.FAILED, next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    Delivery.objects.filter(pk=recent.pk).update(status=DeliveryStatus.GIVEN_UP)
    long_ago = timezone.now() - sending.RETENTION - timedelta(days=1)
    Delivery.objects.exclude(pk=recent.pk).update(created_at=long_ago)
    call_command("retry_due_deliveries", "--now")
    left = set(Delivery.objects.values_list("pk", flat=True))
    assert left == {old_failure.pk, recent.pk}  # a delivery still being retried is kept
