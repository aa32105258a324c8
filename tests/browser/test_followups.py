"""A staff member follows up a customer who asked to be contacted, by keyboard alone, in
Finnish, Swedish and English: the queue, taking the case, recording the reply, closing it.
Every page on the way passes axe."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser

from kuulo.demo.data import create_demo_organisation
from kuulo.feedback.models import SurveyPublication
from kuulo.followups.models import FollowUp
from kuulo.followups.testing import request_contact

from .conftest import axe_violations, open_page
from .test_keyboard import PASSWORD, focused_is_visible, keyboard_sign_in, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "fi": {"take": "Otan tämän", "save": "Tallenna", "close": "Sulje", "closed": "Suljetut"},
    "sv": {"take": "Jag tar den", "save": "Spara", "close": "Avsluta", "closed": "Avslutade"},
    "en": {"take": "I'll take it", "save": "Save the reply", "close": "Close", "closed": "Closed"},
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_follow_up_from_queue_to_closed_by_keyboard(
    browser: Browser, live_server: Any, language: str
) -> None:
    create_demo_organisation(PASSWORD)
    get_user_model().objects.update(language=language)
    publication = SurveyPublication.objects.get(
        unit__code="kuopio-students", survey__touchpoint__code="start"
    )
    case = request_contact(publication, csat=1, name="Ville Laitinen", phone="040 555 0134")
    words = WORDS[language]
    base = live_server.url
    page = open_page(browser, language)
    failures: list[str] = []

    def check(where: str) -> None:
        failures.extend(f"{language} {where}: {v['id']} {v['nodes']}" for v in axe_violations(page))

    keyboard_sign_in(page, base, "staff")
    # The navigation counts the open case; the queue lists it with its low score.
    tab_to(page, "el => el.getAttribute('href') === '/follow-ups/'")
    assert focused_is_visible(page)
    assert (
        page.evaluate("document.activeElement.textContent")
        .strip()
        .endswith("1" + {"fi": " avoinna", "sv": " öppna", "en": " open"}[language])
    )
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/follow-ups/")
    assert page.get_by_text("Ville Laitinen").is_visible() and page.get_by_text("CSAT 1/5").is_visible()
    check("queue")

    tab_to(page, f"el => el.getAttribute('href') === '/follow-ups/{case.pk}/'")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/follow-ups/{case.pk}/")
    assert (
        page.get_by_text("040 555 0134").is_visible() and page.get_by_text("Kukaan ei vastannut").is_visible()
    )
    check("case")

    tab_to(page, f"el => el.textContent.trim() === {words['take']!r}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    case.refresh_from_db()
    assert case.assignee is not None and case.assignee.username == "staff"

    # Closing first: the form says a reply must be recorded before.
    tab_to(page, "el => el.name === 'close-outcome'")
    page.keyboard.press("ArrowDown")  # a select's first real option, by keyboard
    tab_to(page, f"el => el.tagName === 'BUTTON' && el.textContent.trim() === {words['close']!r}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".error-summary").is_visible()
    check("closing refused")

    tab_to(page, "el => el.name === 'reply-channel'")
    page.keyboard.press("ArrowDown")  # phone call
    tab_to(page, "el => el.name === 'reply-text'")
    page.keyboard.type("Soitin ja pahoittelin. Ilmoittautuminen korjattiin puhelun aikana.")
    tab_to(page, f"el => el.tagName === 'BUTTON' && el.textContent.trim() === {words['save']!r}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Ilmoittautuminen korjattiin").is_visible()
    check("replied")

    tab_to(page, "el => el.name === 'close-outcome'")
    page.keyboard.press("ArrowDown")
    tab_to(page, f"el => el.tagName === 'BUTTON' && el.textContent.trim() === {words['close']!r}")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/follow-ups/")
    case.refresh_from_db()
    assert not case.is_open and case.outcome and case.replies.get().channel == "phone"
    check("queue after closing")
    page.get_by_role("link", name=words["closed"]).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/follow-ups/?show=closed")
    assert page.get_by_text("Ville Laitinen").is_visible()
    check("closed")
    assert FollowUp.objects.open().count() == 0
    page.context.close()
    assert failures == [], "\n".join(failures)
