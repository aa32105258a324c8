"""Every page, in Finnish, Swedish and English, has zero axe-core WCAG 2.1 A/AA violations."""

import io
import re
from datetime import date
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from playwright.sync_api import Browser, Page

from kuulo.accounts.tests.test_sign_in import current_code as totp_code
from kuulo.audit.models import Export, ExportStatus
from kuulo.demo.data import create_demo_organisation
from kuulo.feedback import imports, invitations, services
from kuulo.feedback.models import Complaint, Invitation, Item, ServicePath, SurveyPublication
from kuulo.followups.testing import request_contact
from kuulo.improvements import services as improvements
from kuulo.improvements.models import Action
from kuulo.insights.answer_split import answer_groups
from kuulo.insights.models import Report, ReportStatus
from kuulo.organisations.models import RoleAssignment, Unit, UnitType
from kuulo.webhooks import sending
from kuulo.webhooks import services as webhooks
from kuulo.webhooks.events import ping_payload
from kuulo.webhooks.models import Delivery

from .conftest import axe_violations, open_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-Password-2026"
LANGUAGES = ["fi", "sv", "en"]

# Public pages and the sign-in/2FA pages from allauth that people see.
ANONYMOUS_PAGES = [
    "/accounts/login/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/signup/",
    "/accessibility/",
    "/this-page-does-not-exist/",
]
SIGNED_IN_THIRD_PARTY_PAGES = [
    "/accounts/password/change/",
    "/accounts/reauthenticate/",
    "/accounts/2fa/",
    "/accounts/email/",
    "/accounts/logout/",
    "/api/docs",
]


def kuulo_page_urls() -> list[str]:
    """Every GET page of Kuulo's own views, with parameters filled from the demo data."""
    unit = Unit.objects.get(code="kuopio-students")
    publication = SurveyPublication.objects.filter(unit=unit).first()
    assert publication is not None
    admin = get_user_model().objects.get(username="admin")
    complaint = services.save_complaint(
        Complaint(),
        user=admin,
        kind="reminder",
        case_number="A11Y-1",
        unit=unit,
        received_on=date(2026, 10, 1),
    )
    webhook = webhooks.create_endpoint(
        organisation=unit.organisation,
        name="Teams",
        url="https://teams.jarvilinna.example/hooks/kuulo",
        topics=["responses", "complaints"],
        unit=unit,
    )[0]
    # A failed delivery, written as the worker leaves one (the test makes no outbound call).
    delivery = Delivery.objects.create(
        endpoint=webhook,
        event="ping",
        payload={"id": "0", "event": "ping", "data": ping_payload()},
        status="failed",
        attempts=1,
        last_status_code=500,
        last_error=sending.ERROR_STATUS,
        response_ms=120,
    )
    values = {
        "endpoint_id": webhook.pk,
        "delivery_id": delivery.pk,
        "code": publication.code,
        "token": invitations.token_for(
            Invitation.objects.create(
                publication=publication, channel="email", address="a@example.fi", language="fi"
            )
        ),
        "complaint_id": complaint.pk,
        "action_id": improvements.save_action(
            Action(),
            user=admin,
            unit=unit,
            title="Chat",
            status="done",
            public=True,
            public_text="Avasimme chatin.",
        ).pk,
        "organisation": unit.organisation.slug,
        "unit": unit.code,
        "path_id": ServicePath.objects.filter(organisation=unit.organisation).first().pk,  # type: ignore[union-attr]
        "import_id": imports.upload_file(
            admin, publication, file_name="export.csv", file=io.BytesIO("id;csat;open\n1;5;Hyvä\n".encode())
        ).pk,
        "survey_id": publication.survey_id,
        "publication_id": publication.pk,
        "item_id": Item.objects.get(organisation=None, code="csat").pk,
        "unit_id": unit.pk,
        "type_id": UnitType.objects.get(code="campus").pk,
        # Being made: the progress bar (the browser test of reports sees a finished one).
        "report_id": Report.objects.create(
            organisation=unit.organisation,
            unit=unit,
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
            language="fi",
            requested_by=admin,
            status=ReportStatus.RUNNING,
            progress=40,
        ).pk,
        "user_id": RoleAssignment.objects.filter(unit=unit).first().membership.user_id,  # type: ignore[union-attr]
        "case_id": request_contact(publication, csat=1).pk,
        # Single responses being exported: the progress bar.
        "export_id": Export.objects.create(
            organisation=unit.organisation,
            requested_by=admin,
            kind="responses",
            file_format="xlsx",
            parameters={"start": "2026-10-01", "end": "2026-10-31"},
            language="fi",
            status=ExportStatus.RUNNING,
            progress=40,
        ).pk,
    }
    urls = []

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.callback.__module__.startswith("kuulo."):
                rule = getattr(pattern.callback, "access_rule", None)
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                params = list(pattern.pattern.regex.groupindex)
                if rule is None or name in POST_ONLY or name in NOT_PAGES:
                    continue
                urls.append(reverse(name, kwargs={p: values[p] for p in params}))

    walk(get_resolver().url_patterns, None)
    # A survey's results broken down by the answer to a question, by a segment, and
    # narrowed to one answer group.
    survey = publication.survey
    question = next(q for q in survey.questions.order_by("order") if answer_groups(q.item_version))
    results = reverse("insights:survey_results", kwargs={"survey_id": survey.pk})
    group = answer_groups(question.item_version)[-1].key
    urls += [f"{results}?by={question.pk}", f"{results}?by=channel", f"{results}?only={question.pk}:{group}"]
    return urls


# JSON, images and scripts
NOT_PAGES = {
    "healthz",
    "feedback:publication_qr",
    "feedback:import_progress",
    "feedback:kiosk_service_worker",
    "insights:overview_export",
    "insights:responses_export",
    "insights:report_progress",
    "insights:report_download",
    "insights:export_progress",
    "insights:export_download",
}
POST_ONLY = {
    "pages:set_language",
    "feedback:survey_add_question",
    "feedback:survey_question_action",
    "feedback:survey_publish",
    "feedback:survey_close",
    "organisations:api_key_revoke",
    "feedback:kiosk_create",
    "feedback:publication_invite",
    "feedback:publication_remind",
    "feedback:publication_limits",
    "feedback:kiosk_revoke",
    "feedback:held_answer_decide",
    "feedback:publication_identified",
    "organisations:person_grant_role",
    "organisations:person_revoke_role",
    "organisations:person_set_active",
    "improvements:action_move",
    "followups:case_assign",
    "followups:case_reply",
    "followups:case_close",
    "webhooks:endpoint_rotate_secret",
    "webhooks:endpoint_test",
    "webhooks:delivery_redeliver",
}


def assert_no_violations(page: Page, url: str, failures: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 500, f"{url}: HTTP {response and response.status}"
    for violation in axe_violations(page):
        failures.append(
            f"{url}: {violation['id']} ({violation['impact']}) {violation['help']} {violation['nodes']}"
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_has_no_wcag_violations(browser: Browser, live_server: Any, language: str) -> None:
    create_demo_organisation(PASSWORD)
    base = live_server.url
    page = open_page(browser, language)
    failures: list[str] = []
    for path in ANONYMOUS_PAGES:
        assert_no_violations(page, base + path, failures)
    assert page.locator("html").get_attribute("lang") == language

    # The password-reset link from the e-mail, and the new-password page it leads to.
    page.goto(base + "/accounts/password/reset/")
    page.fill("input[name=email]", "admin@jarvilinna.example")
    page.press("input[name=email]", "Enter")
    page.wait_for_url("**/password/reset/done/")
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", str(mail.outbox[-1].body))
    assert link is not None
    assert_no_violations(page, link.group(0), failures)
    assert page.locator("input[name=password1]").count() == 1

    # Signed-in users see their own language setting: give the demo users this one.
    get_user_model().objects.update(language=language)
    sign_in(page, base, "admin", PASSWORD)
    assert page.locator("html").get_attribute("lang") == language
    for path in kuulo_page_urls() + SIGNED_IN_THIRD_PARTY_PAGES:
        assert_no_violations(page, base + path, failures)

    # A form with errors, and the 2FA setup page (after confirming the password).
    page.goto(base + "/organisation/units/new/")
    page.click("main form.stack button[type=submit]")
    assert page.locator(".error-summary").is_visible()
    failures += [f"unit form errors: {v['id']} {v['nodes']}" for v in axe_violations(page)]
    page.goto(base + "/accounts/reauthenticate/?next=/accounts/2fa/totp/activate/")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()
    assert page.url.endswith("/2fa/totp/activate/"), page.url + page.content()[-1500:]
    failures += [f"TOTP setup: {v['id']} {v['nodes']}" for v in axe_violations(page)]
    assert not Authenticator.objects.exists()

    # Turn 2FA on, then check the recovery-code pages and the second sign-in step.
    secret = page.input_value("#authenticator_secret")
    page.fill("input[name=code]", totp_code(secret))
    page.press("input[name=code]", "Enter")
    page.wait_for_url(lambda url: "/totp/activate" not in url)
    assert Authenticator.objects.filter(type=Authenticator.Type.TOTP).exists()
    for path in ["/accounts/2fa/recovery-codes/", "/accounts/2fa/", "/accounts/2fa/totp/deactivate/"]:
        assert_no_violations(page, base + path, failures)
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/2fa/authenticate/")
    failures += [f"2FA sign-in step: {v['id']} {v['nodes']}" for v in axe_violations(page)]

    # A page the viewer may not open.
    page.context.clear_cookies()
    sign_in(page, base, "viewer", PASSWORD)
    assert_no_violations(page, base + "/organisation/people/", failures)
    page.context.close()
    assert failures == [], "\n".join(failures)


def test_narrow_screen_has_no_horizontal_scroll(page: Page, live_server: Any) -> None:
    create_demo_organisation(PASSWORD)
    page.set_viewport_size({"width": 320, "height": 700})
    sign_in(page, live_server.url, "admin", PASSWORD)
    for path in ["/", "/organisation/units/", "/organisation/people/", "/audit/"]:
        page.goto(live_server.url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways at 320 px ({overflow} px)"
