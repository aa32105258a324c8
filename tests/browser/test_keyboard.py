"""The main flows work by keyboard alone: no mouse clicks in these tests."""

from typing import Any

import pytest
from playwright.sync_api import Page

from kuulo.demo.data import create_demo_organisation
from kuulo.organisations.models import Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-Password-2026"


def tab_to(page: Page, predicate_js: str, limit: int = 60) -> None:
    """Press Tab until the focused element satisfies the JavaScript predicate `el => ...`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return ({predicate_js})(el); }})()"):
            return
    raise AssertionError(f"Tab never reached an element matching {predicate_js}")


def focused_is_visible(page: Page) -> bool:
    """The focused element has a visible focus indicator (outline or box-shadow)."""
    return page.evaluate(
        """() => {
            const s = getComputedStyle(document.activeElement);
            return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
        }"""
    )


def keyboard_sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    tab_to(page, "el => el.name === 'login'")
    page.keyboard.type(username)
    tab_to(page, "el => el.name === 'password'")  # past the "forgot your password?" link
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")


def test_skip_link_is_first_and_moves_focus_to_main(page: Page, live_server: Any) -> None:
    create_demo_organisation(PASSWORD)
    page.goto(f"{live_server.url}/accounts/login/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    assert focused_is_visible(page)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_sign_in_create_a_unit_and_sign_out_by_keyboard(page: Page, live_server: Any) -> None:
    create_demo_organisation(PASSWORD)
    base = live_server.url
    keyboard_sign_in(page, base, "admin")

    tab_to(page, "el => el.getAttribute('href') === '/organisation/units/'")
    assert focused_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/organisation/units/")
    tab_to(page, "el => el.getAttribute('href') === '/organisation/units/new/'")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/organisation/units/new/")

    tab_to(page, "el => el.name === 'name_fi'")
    page.keyboard.type("Näppäimistötiimi")
    tab_to(page, "el => el.name === 'code'")
    page.keyboard.type("keyboard-team")
    page.keyboard.press("Tab")  # unit type select
    assert page.evaluate("document.activeElement.name") == "unit_type"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")  # language select: keep the default
    page.keyboard.press("Tab")  # parent select
    assert page.evaluate("document.activeElement.name") == "parent"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    tab_to(page, "el => el.type === 'submit' && el.closest('main')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/organisation/units/new/" not in page.url, page.locator("main").inner_text()
    unit = Unit.objects.get(code="keyboard-team")
    assert unit.name_fi == "Näppäimistötiimi" and unit.parent is not None

    tab_to(page, "el => el.closest('form') && el.closest('form').action.endsWith('/accounts/logout/')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/login/" in page.url or page.url.rstrip("/") == base


def test_form_errors_are_announced_and_reachable_by_keyboard(page: Page, live_server: Any) -> None:
    create_demo_organisation(PASSWORD)
    base = live_server.url
    keyboard_sign_in(page, base, "admin")
    page.goto(f"{base}/organisation/units/new/")
    tab_to(page, "el => el.type === 'submit' && el.closest('main')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    tab_to(page, "el => el.closest('.error-summary') && el.tagName === 'A'")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"


def test_language_switch_by_keyboard(page: Page, live_server: Any) -> None:
    create_demo_organisation(PASSWORD)
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, "el => el.name === 'language' && el.value === 'sv'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("button[name=language][value=sv]").get_attribute("aria-current") == "true"
