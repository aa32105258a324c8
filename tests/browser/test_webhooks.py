"""An admin adds a webhook in a real browser, copies its secret, sends a test event to a
receiver on this machine and reads the delivery log; every page passes axe."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page

from kuulo.demo.data import create_demo_organisation
from kuulo.webhooks.models import Delivery, DeliveryStatus, Endpoint
from kuulo.webhooks.sending import sign
from kuulo.webhooks.testing import running_receiver

from .conftest import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-Password-2026"


def test_an_admin_adds_a_webhook_and_sees_the_test_event_in_the_log(
    page: Page, live_server: Any, settings: Any
) -> None:
    settings.KUULO_WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True  # the receiver is on 127.0.0.1
    create_demo_organisation(PASSWORD)
    get_user_model().objects.update(language="en")
    base = live_server.url
    failures: list[str] = []

    def check(where: str) -> None:
        failures.extend(f"{where}: {v['id']} {v['nodes']}" for v in axe_violations(page))

    with running_receiver() as receiver:
        sign_in(page, base, "admin", PASSWORD)
        page.goto(f"{base}/organisation/settings/")
        page.get_by_role("link", name="Webhooks").click()
        assert page.get_by_text("Kirjaamon Jira (esimerkki)").is_visible()  # the demo's example
        check("list")
        page.get_by_role("link", name="Add webhook").click()
        page.get_by_role("button", name="Save").click()  # nothing filled in: errors first
        assert page.locator(".error-summary").is_visible()
        check("form with errors")
        page.get_by_label("Name").fill("Teams channel")
        page.get_by_label("Address").fill(receiver.url)
        page.get_by_label("Responses, once a day").check()
        page.get_by_label("Improvement actions created or changed").check()
        page.get_by_role("button", name="Save").click()

        secret = page.input_value("#new-secret")
        endpoint = Endpoint.objects.get(name="Teams channel")
        assert secret == endpoint.secret and endpoint.topics == ["actions", "responses"]
        check("created, secret shown")

        page.get_by_role("button", name="Send a test event").click()
        page.wait_for_url(f"**/organisation/webhooks/{endpoint.pk}/")
        log = page.get_by_role("table", name="Delivery log")
        assert log.get_by_text("Delivered").is_visible() and log.get_by_text("200").is_visible()
        assert secret not in page.content()  # shown only once
        check("delivery log")

        [request] = receiver.received
        timestamp = request.headers["X-Kuulo-Timestamp"]
        assert request.headers["X-Kuulo-Signature"] == sign(secret, timestamp, request.body)
        delivery = Delivery.objects.get(endpoint=endpoint)
        assert delivery.status == DeliveryStatus.SUCCEEDED

        log.get_by_role("link").first.click()
        page.wait_for_url(f"**/organisation/webhooks/deliveries/{delivery.pk}/")
        assert str(delivery.event_id) in page.content()
        check("delivery")
    page.context.close()
    assert failures == [], "\n".join(failures)
