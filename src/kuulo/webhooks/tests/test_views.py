"""The admin's webhook pages: create (secret shown once), edit, renew the secret, test,
the delivery log and redelivery, all audited; nobody else reaches them."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kuulo.audit.models import AuditEvent
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for
from kuulo.webhooks import services
from kuulo.webhooks.models import Delivery, DeliveryStatus, Endpoint
from kuulo.webhooks.testing import Receiver


@pytest.fixture
def admin(world: World) -> Client:
    user = world.users[Role.ADMIN]
    user.language = "en"
    user.save()
    return client_for(user)


def test_an_admin_creates_a_webhook_and_sees_its_secret_once(admin: Client, world: World) -> None:
    page = admin.post(
        reverse("webhooks:endpoint_create"),
        {
            "name": "Jira",
            "url": "https://jira.example.fi/hooks/kuulo",
            "topics": ["complaints", "actions"],
            "unit": world.area.pk,
            "active": "on",
        },
    )
    assert page.status_code == 200
    endpoint = Endpoint.objects.get()
    assert endpoint.organisation == world.org and endpoint.unit == world.area
    assert endpoint.topics == ["actions", "complaints"] and endpoint.created_by == world.users[Role.ADMIN]
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in page.content.decode()
    assert "Copy the secret now" in page.content.decode()
    later = admin.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in later and endpoint.secret[:10] in later
    assert AuditEvent.objects.filter(action="webhook.created", target_id=str(endpoint.pk)).exists()
    listing = admin.get(reverse("webhooks:endpoint_list")).content.decode()
    assert "Jira" in listing and "https://jira.example.fi/hooks/kuulo" in listing


def test_the_form_refuses_plain_http_and_missing_events(admin: Client) -> None:
    page = admin.post(
        reverse("webhooks:endpoint_create"),
        {"name": "Teams", "url": "http://teams.example.fi/", "active": "on"},
    )
    assert page.status_code == 200 and not Endpoint.objects.exists()
    errors = page.context["form"].errors
    assert "url" in errors and "topics" in errors


def test_editing_renewing_the_secret_and_deleting_are_audited(admin: Client, world: World) -> None:
    endpoint, secret = services.create_endpoint(
        organisation=world.org, name="Jira", url="https://jira.example.fi/", topics=["responses"]
    )
    edit = admin.post(
        reverse("webhooks:endpoint_edit", args=[endpoint.pk]),
        {"name": "Jira", "url": "https://jira.example.fi/v2", "topics": ["responses", "actions"]},
    )
    assert edit.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == "https://jira.example.fi/v2" and not endpoint.active
    assert endpoint.topics == ["actions", "responses"]
    renewed = admin.post(reverse("webhooks:endpoint_rotate_secret", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != secret and endpoint.secret in renewed.content.decode()
    assert admin.post(reverse("webhooks:endpoint_delete", args=[endpoint.pk])).status_code == 302
    assert not Endpoint.objects.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"webhook.updated", "webhook.secret_rotated", "webhook.deleted"} <= actions


def test_a_test_event_and_a_redelivery_show_in_the_log(
    admin: Client, world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.statuses = [500]
    endpoint = services.create_endpoint(
        organisation=world.org, name="Teams", url=receiver.url, topics=["actions"]
    )[0]
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(reverse("webhooks:endpoint_test", args=[endpoint.pk])).status_code == 302
    failed = Delivery.objects.get()
    assert failed.status == DeliveryStatus.FAILED
    log = admin.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk])).content.decode()
    assert "Failed, will retry" in log and "500" in log and "The receiver answered with an error." in log
    assert reverse("webhooks:delivery_redeliver", args=[failed.pk]) in log
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("webhooks:delivery_redeliver", args=[failed.pk]))
    again = Delivery.objects.exclude(pk=failed.pk).get()
    assert again.status == DeliveryStatus.SUCCEEDED and again.event_id == failed.event_id
    detail = admin.get(reverse("webhooks:delivery_detail", args=[again.pk])).content.decode()
    assert str(again.event_id) in detail and "Delivered" in detail and "A test event from Kuulo" in detail
    actions = list(AuditEvent.objects.filter(action__startswith="webhook.").values_list("action", flat=True))
    assert "webhook.tested" in actions and "webhook.redelivered" in actions


@pytest.mark.parametrize("role", [Role.CX_LEAD, Role.MANAGER, Role.STAFF, Role.VIEWER])
def test_only_admins_manage_webhooks(world: World, role: str) -> None:
    endpoint = services.create_endpoint(
        organisation=world.org, name="Jira", url="https://jira.example.fi/", topics=["responses"]
    )[0]
    client = client_for(world.users[role])
    assert client.get(reverse("webhooks:endpoint_list")).status_code == 403
    assert client.post(reverse("webhooks:endpoint_rotate_secret", args=[endpoint.pk])).status_code == 403


def test_another_organisations_admin_finds_nothing(world: World) -> None:
    endpoint = services.create_endpoint(
        organisation=world.org, name="Case register", url="https://jira.example.fi/", topics=["responses"]
    )[0]
    delivery = services.send_test_event(endpoint)
    other = client_for(world.users["other_admin"])
    assert "Case register" not in other.get(reverse("webhooks:endpoint_list")).content.decode()
    assert other.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk])).status_code == 404
    assert other.get(reverse("webhooks:delivery_detail", args=[delivery.pk])).status_code == 404
    assert other.post(reverse("webhooks:delivery_redeliver", args=[delivery.pk])).status_code == 404
    assert other.post(reverse("webhooks:endpoint_delete", args=[endpoint.pk])).status_code == 404
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()


def test_organisation_settings_link_to_webhooks(admin: Client) -> None:
    assert reverse("webhooks:endpoint_list") in admin.get(reverse("organisations:settings")).content.decode()
