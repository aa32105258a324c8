"""A respondent answers a demo survey from its link: in each language, by keyboard,
with errors shown accessibly, and the response stored exactly once."""

from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from kuulo.demo.data import create_demo_organisation
from kuulo.feedback.models import Response, SurveyPublication

from .conftest import axe_violations, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def publication(settings: Any) -> SurveyPublication:
    settings.KUULO_SURVEY_MIN_SECONDS = 0
    create_demo_organisation("demo-Password-2026")
    return SurveyPublication.objects.get(unit__code="kuopio-students")


def violations(page: Page, state: str) -> list[str]:
    return [f"{state}: {v['id']} {v['help']} {v['nodes']}" for v in axe_violations(page)]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_answering_by_keyboard_with_errors_and_thanks(
    browser: Browser, live_server: Any, publication: SurveyPublication, language: str
) -> None:
    page = open_page(browser, language)
    page.goto(f"{live_server.url}/f/{publication.code}/?r=student")
    failures = violations(page, "form")
    assert page.locator("html").get_attribute("lang") == language

    # Send without the required satisfaction answer: the error summary takes focus.
    page.locator(".survey-form button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    failures += violations(page, "errors")
    assert Response.objects.count() == 0

    # Follow the error link to the question and pick "4" with the arrow keys.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    first_radio = page.evaluate("document.activeElement.name")
    assert first_radio.startswith("q")
    page.keyboard.press("Space")  # selects the first option (1)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.value") == "4"
    page.fill("textarea", "Hyvä opastus, kiitos! Soita 040 1234567")
    page.locator(".survey-form button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/thanks/" in page.url
    failures += violations(page, "thanks")

    response = Response.objects.get()
    assert response.language == language and response.respondent_type == "student"
    assert response.answers.get(item_version__item__code="csat").number == 4
    assert "[PHONE]" in response.answers.get(item_version__item__code="open").text
    page.context.close()
    assert failures == [], "\n".join(failures)


def test_show_if_and_contact_fields_follow_the_answers(
    page: Page, live_server: Any, publication: SurveyPublication
) -> None:
    page.goto(f"{live_server.url}/f/{publication.code}/")
    assert not page.locator("#contact-fields").is_visible()
    page.check("#contact_opt_in")
    assert page.locator("#contact-fields").is_visible()
    page.fill("#contact_email", "maija@example.fi")
    page.locator("input[name^=q][value='5']").first.check()
    with page.expect_navigation():
        page.locator(".survey-form button[type=submit]").click()
    assert Response.objects.get().contact.email == "maija@example.fi"


# Reports what the polite status region says, as a screen reader would hear it.
STATUS_LISTENER = """
new MutationObserver((records) => {
  for (const record of records) {
    const status = record.target.closest && record.target.closest("#proof-status")
      || record.target.parentElement && record.target.parentElement.closest("#proof-status");
    if (status && status.textContent) console.log("proof-status: " + status.textContent);
  }
}).observe(document, {childList: true, characterData: true, subtree: true});
"""

CHECKING = {"fi": "Tarkistetaan selainta", "sv": "Webbläsaren kontrolleras", "en": "Checking your browser"}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_browser_check_past_the_soft_limit_by_keyboard(
    browser: Browser, live_server: Any, publication: SurveyPublication, language: str
) -> None:
    publication.address_soft_limit = 0  # every answer needs the check
    publication.save()
    page = open_page(browser, language)
    said: list[str] = []
    page.on("console", lambda message: said.append(message.text))
    page.add_init_script(STATUS_LISTENER)

    def answer_by_keyboard() -> None:
        page.locator(".survey-form input[name^=q][type=radio]").first.focus()
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
        page.locator(".survey-form button[type=submit]").focus()

    # The check is solved while the respondent answers; sending waits for it if need be.
    page.goto(f"{live_server.url}/f/{publication.code}/")
    assert page.locator("#proof[data-challenge]").count() == 1
    assert page.locator("#proof-status").get_attribute("role") == "status"
    failures = violations(page, "form with a check")
    answer_by_keyboard()
    with page.expect_navigation(url="**/thanks/"):
        page.keyboard.press("Enter")
    failures += violations(page, "thanks")
    assert Response.objects.count() == 1

    # Opened below the limit, sent above it: the server holds the answers, and the page it
    # answers with says it is checking the browser, then sends them by itself.
    publication.address_soft_limit = None
    publication.save()
    page.goto(f"{live_server.url}/f/{publication.code}/")
    assert page.locator("#proof").count() == 0
    publication.address_soft_limit = 0
    publication.save()
    answer_by_keyboard()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url("**/thanks/")
    assert any(CHECKING[language] in text for text in said), said
    assert Response.objects.count() == 2
    page.context.close()
    assert failures == [], "\n".join(failures)
