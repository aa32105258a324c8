"""Kiosk mode in a real browser: one tap per answer, automatic reset, answers given
while the network is down are sent exactly once when it is back, and the page comes
up again from the service worker's copy when it is reloaded offline."""

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page

from kuulo.demo.data import create_demo_organisation
from kuulo.feedback import services
from kuulo.feedback.models import Channel, HeldAnswer, Response, SurveyPublication
from kuulo.organisations.models import Unit

from .conftest import axe_violations, open_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-Password-2026"


@pytest.fixture
def setup_url(live_server: Any) -> str:
    create_demo_organisation(PASSWORD)
    publication = SurveyPublication.objects.get(unit__code="kuopio-students")
    _, token = services.create_kiosk(
        publication, name="Lobby", created_by=get_user_model().objects.get(username="admin")
    )
    return f"{live_server.url}/kiosk/{publication.code}/#{token}"


def wait_for_stored(page: Page, count: int) -> None:
    """Wait until the kiosk's queue is empty and `count` answers are stored, then make
    sure no extra copy arrives: the status line is empty also before a send starts."""
    page.wait_for_function("() => document.getElementById('kiosk-status').textContent === ''")
    stored = Response.objects.filter(channel=Channel.KIOSK)
    for _ in range(100):
        if stored.count() >= count:
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)
    assert stored.count() == count


def test_kiosk_answers_offline_are_sent_exactly_once(page: Page, setup_url: str) -> None:
    page.goto(setup_url)
    assert "#" not in page.url  # the device token left the address bar
    assert axe_violations(page) == []

    # Online: tap, add a comment, thanks, and back to the faces.
    page.click(".kiosk__face--5")
    page.fill("#kiosk-text", "Todella ystävällinen palvelu, puh 040 1234567")
    page.click("#kiosk-send")
    assert page.locator("#kiosk-thanks").is_visible()
    page.locator("#kiosk-ask").wait_for(state="visible", timeout=8000)
    wait_for_stored(page, 1)
    stored = Response.objects.get()
    assert stored.answers.get(item_version__item__code="csat").number == 5
    assert "[PHONE]" in stored.answers.get(item_version__item__code="open").text

    # Offline: three answers queue in the browser.
    page.context.set_offline(True)
    for face in (1, 3, 4):
        page.click(f".kiosk__face--{face}")
        page.click("#kiosk-skip")
        page.locator("#kiosk-ask").wait_for(state="visible", timeout=8000)
    page.wait_for_function("() => /3/.test(document.getElementById('kiosk-status').textContent)")
    assert Response.objects.count() == 1

    # Back online: the queue is sent, and each answer is stored once.
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_for_stored(page, 4)
    numbers = Response.objects.filter(answers__number__isnull=False).values_list("answers__number", flat=True)
    assert sorted(numbers) == [1, 3, 4, 5]

    # Even if the same queued answers were sent again, nothing is stored twice.
    page.evaluate(
        """async () => {
            const tokenKey = Object.keys(localStorage).find(k => k.startsWith('kuulo-kiosk-token'));
            const headers = {'Content-Type': 'application/json',
                             'Authorization': 'Bearer ' + localStorage.getItem(tokenKey)};
            const item = {link: location.pathname.split('/')[2], idempotency_key: 'kiosk-replay',
                          answers: {csat: 2}};
            for (const _ of [1, 2]) {
                await fetch('/api/v1/responses',
                            {method: 'POST', headers, body: JSON.stringify({responses: [item]})});
            }
        }"""
    )
    assert Response.objects.filter(source_key="kiosk-replay").count() == 1


def test_an_answer_the_server_refuses_is_held_for_the_cx_lead_not_dropped(
    page: Page, browser: Browser, setup_url: str, live_server: Any
) -> None:
    page.goto(setup_url)
    publication = SurveyPublication.objects.get(unit__code="kuopio-students")
    services.close_survey(publication.survey)  # closed while the tablet still shows it
    page.click(".kiosk__face--2")
    page.fill("#kiosk-text", "Jonotin pitkään, soittakaa 040 1234567")
    page.click("#kiosk-send")
    assert page.locator("#kiosk-thanks").is_visible()
    # The kiosk's queue empties because the server took the answer on hold.
    page.wait_for_function(
        "() => Object.keys(localStorage).filter(k => k.startsWith('kuulo-kiosk-queue'))"
        ".every(k => localStorage.getItem(k) === '[]')"
    )
    held = HeldAnswer.objects.exclude(source_key="kiosk-demo-1").get()  # the demo has one of its own
    assert held.payload["answers"]["csat"] == 2 and "040" not in held.payload["answers"]["open"]
    assert Response.objects.count() == 0

    # The CX lead sees it with the reason, opens the survey again and accepts it by keyboard.
    services.publish_survey(publication.survey, [publication.unit])
    lead = open_page(browser, "fi")
    sign_in(lead, live_server.url, "cxlead", PASSWORD)
    lead.goto(f"{live_server.url}/feedback/kiosks/on-hold/")
    assert lead.locator("tbody tr").count() == 2  # this one and the demo's
    assert held.reasons[0]["message"] in lead.inner_text("tbody")
    assert axe_violations(lead) == []
    row = lead.locator("tbody tr", has_text=held.payload["answers"]["open"])
    row.locator("button[value=accept]").focus()
    with lead.expect_navigation():
        lead.keyboard.press("Enter")
    assert lead.locator("tbody tr").count() == 1
    stored = Response.objects.get()
    assert stored.channel == Channel.KIOSK and stored.answers.get(item_version__item__code="csat").number == 2
    lead.context.close()


def test_a_refusal_for_the_whole_batch_keeps_the_answers_on_the_tablet(page: Page, setup_url: str) -> None:
    """Only a 2xx reply (stored or held) lets the kiosk forget an answer: before, a 422
    listing an answer made the kiosk drop it, though it had thanked the customer."""
    refusals: list[str] = []

    def refuse(route: Any) -> None:
        refusals.append(route.request.url)
        body = (
            '{"detail": "Nothing was stored", "errors": [{"index": 0, "field": "answers", "message": "x"}]}'
        )
        route.fulfill(status=422, content_type="application/json", body=body)

    page.route("**/api/v1/responses", refuse)
    page.goto(setup_url)
    page.click(".kiosk__face--3")
    page.click("#kiosk-skip")
    page.wait_for_function("() => /1/.test(document.getElementById('kiosk-status').textContent)")
    assert refusals and Response.objects.count() == 0
    page.unroute("**/api/v1/responses")
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_for_stored(page, 1)


def test_kiosk_switches_language_and_reports_missing_setup(page: Page, setup_url: str) -> None:
    page.goto(setup_url.split("#")[0])  # never set up on this device: no token
    page.click("button[data-set-language='sv']")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert re.search("Hur nöjd", page.locator("#kiosk-question").inner_text())
    assert page.locator(".kiosk__face--5").get_attribute("aria-label") == "5 – Mycket nöjd"
    page.click(".kiosk__face--4")
    page.click("#kiosk-skip")
    page.wait_for_function(
        "() => /responsterminal/.test(document.getElementById('kiosk-status').textContent)"
    )
    assert Response.objects.count() == 0
    assert axe_violations(page) == []


def rename_unit(name: str) -> None:
    Unit.objects.filter(code="kuopio-students").update(name_fi=name, name_sv=name, name_en=name)


def test_kiosk_reloaded_offline_comes_up_from_the_service_worker(page: Page, setup_url: str) -> None:
    page.goto(setup_url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    # The server's page changes while the tablet is offline: what the reload shows is the
    # worker's copy, not something the server sent.
    page.context.set_offline(True)
    rename_unit("Renamed while offline")
    page.reload()
    assert page.locator(".kiosk__unit").inner_text() != "Renamed while offline"
    assert page.locator("#kiosk-question").inner_text() != ""  # kiosk.js came from the copy too
    assert page.evaluate("() => document.styleSheets[0].cssRules.length") > 0
    assert page.evaluate("async () => (await fetch('/static/kuulo/faces.svg')).ok")
    assert axe_violations(page) == []

    page.click(".kiosk__face--2")
    page.click("#kiosk-skip")
    page.locator("#kiosk-ask").wait_for(state="visible", timeout=8000)
    page.wait_for_function("() => /1/.test(document.getElementById('kiosk-status').textContent)")
    assert Response.objects.count() == 0

    # Back online: the answer is sent once, and the page itself comes from the network again.
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_for_stored(page, 1)
    assert Response.objects.get().answers.get(item_version__item__code="csat").number == 2
    page.reload()
    assert page.locator(".kiosk__unit").inner_text() == "Renamed while offline"
    wait_for_stored(page, 1)


def test_kiosk_works_without_service_workers(browser: Browser, setup_url: str) -> None:
    context = browser.new_context(service_workers="block", locale="fi")
    page = context.new_page()
    page.goto(setup_url)
    page.click(".kiosk__face--4")
    page.click("#kiosk-skip")
    wait_for_stored(page, 1)
    assert page.evaluate("() => navigator.serviceWorker === undefined || !navigator.serviceWorker.controller")
    context.close()
