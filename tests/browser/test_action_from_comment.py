"""From a new comment on the home page to an improvement action, by keyboard only: the
link opens the action form with the unit and the comment filled in, a search narrows the
comments without losing what was typed, and the action is saved with the comment."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page

from kuulo.demo.data import create_demo_organisation
from kuulo.feedback.models import SurveyPublication
from kuulo.feedback.testing import send_answers
from kuulo.improvements.models import Action

from .conftest import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-Password-2026"


def test_an_action_from_a_comment_by_keyboard(page: Page, live_server: Any) -> None:
    create_demo_organisation(PASSWORD)
    publication = SurveyPublication.objects.get(unit__code="kuopio-students")
    comments = [f"Puhelinjono oli pitkä {n}" for n in range(5)] + [
        f"Kiitos opastuksesta {n}" for n in range(5)
    ]
    send_answers(
        get_user_model().objects.get(username="admin"),
        publication,
        [{"csat": 2, "open": text} for text in comments],
        when=timezone.now() - timedelta(days=1),
    )
    get_user_model().objects.update(language="en")
    base = live_server.url
    sign_in(page, base, "manager", PASSWORD)
    assert page.locator("#home-comments-heading").is_visible()
    assert [v for v in axe_violations(page)] == []
    link = page.locator("a", has_text="Plan an action").filter(has_text="from this comment").first
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/actions/new/?unit=" in page.url and "comment=" in page.url
    assert page.locator("input[name=responses]:checked").count() == 1
    page.focus("#id_title")
    page.keyboard.type("Takaisinsoitto jonottamisen sijaan")
    page.focus("#id_comment_search")
    page.keyboard.type("jono")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # in the search field: searches, does not save
    assert not Action.objects.exists()
    assert page.input_value("#id_title") == "Takaisinsoitto jonottamisen sijaan"
    labels = page.locator("#id_responses label").all_inner_texts()
    # The search's five, and the comment ticked already, which stays ticked.
    assert sum("Puhelinjono" in label for label in labels) == 5 and len(labels) <= 6
    assert page.locator("input[name=responses]:checked").count() == 1
    assert [v for v in axe_violations(page)] == []
    page.focus("button[name=save]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    action = Action.objects.get()
    assert action.unit.code == "kuopio-students" and action.responses.count() == 1
