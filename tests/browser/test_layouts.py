"""Layouts only a browser shows: the 0–10 scale on a 390 px phone, the kiosk's five faces
on an 800 px portrait tablet, and wide tables that scroll by keyboard as well."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page

from kuulo.demo.data import create_demo_organisation
from kuulo.feedback import services, volumes
from kuulo.feedback.models import SurveyPublication

from .conftest import axe_violations, open_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-Password-2026"


@pytest.fixture
def demo(live_server: Any) -> str:
    create_demo_organisation(PASSWORD)
    return str(live_server.url)


def boxes(page: Page, selector: str) -> list[dict[str, float]]:
    return page.eval_on_selector_all(
        selector,
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; })",
    )


def sideways_scroll(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_0_to_10_scale_fits_a_390_px_phone(browser: Browser, demo: str, language: str) -> None:
    publication = SurveyPublication.objects.filter(survey__questions__item_version__item__code="nps").first()
    assert publication is not None
    page = open_page(browser, language)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo}/f/{publication.code}/")
    width = 390
    labels = boxes(page, ".scale--nps label") + boxes(page, ".scale--nps .scale__label")
    assert labels, "no 0–10 scale on the page"
    outside = [box for box in labels if box["left"] < 0 or box["right"] > width]
    assert outside == [], f"end labels outside the screen: {outside}"
    assert sideways_scroll(page) <= 0
    page.context.close()


def test_the_five_faces_fit_one_row_on_a_portrait_kiosk(browser: Browser, demo: str) -> None:
    publication = SurveyPublication.objects.get(unit__code="kuopio-students")
    _, token = services.create_kiosk(
        publication, name="Aula", created_by=get_user_model().objects.get(username="admin")
    )
    page = open_page(browser)
    page.set_viewport_size({"width": 800, "height": 1280})
    page.goto(f"{demo}/kiosk/{publication.code}/#{token}")
    page.locator(".kiosk__face--5").wait_for(state="visible")
    faces = boxes(page, ".kiosk__face")
    assert len(faces) == 5
    assert len({round(face["top"]) for face in faces}) == 1, f"faces on several rows: {faces}"
    assert all(face["left"] >= 0 and face["right"] <= 800 for face in faces)
    assert axe_violations(page) == []
    page.context.close()


def test_scrolling_tables_are_reachable_by_keyboard(browser: Browser, demo: str) -> None:
    admin = get_user_model().objects.get(username="admin")
    volumes.save_batch(
        admin,
        [
            {"unit": "kuopio-students", "date": date.today() - timedelta(days=n), "customers_served": 40 + n}
            for n in range(1, 4)
        ],
    )
    page = open_page(browser, "en")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, demo, "admin", PASSWORD)
    page.goto(f"{demo}/feedback/volumes/")
    wrap = page.locator(".table-wrap").first
    assert wrap.get_attribute("tabindex") == "0" and wrap.get_attribute("role") == "region"
    assert wrap.get_attribute("aria-label") or wrap.get_attribute("aria-labelledby")
    scrolls = (
        "(() => { const w = document.querySelector('.table-wrap'); return w.scrollWidth > w.clientWidth; })()"
    )
    assert page.evaluate(scrolls)
    wrap.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('.table-wrap').scrollLeft > 0")
    assert [v for v in axe_violations(page) if v["id"] == "scrollable-region-focusable"] == []
    page.context.close()
