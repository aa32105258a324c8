"""A PDF report in a real browser: asked for on the unit page, a live progress bar while a
worker makes it, then the download."""

import threading
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from playwright.sync_api import Page

from kuulo.demo.data import create_demo_organisation
from kuulo.insights import services
from kuulo.insights.models import Report, ReportStatus
from kuulo.organisations.models import Unit

from .conftest import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-Password-2026"


def run_worker(report_id: int) -> None:
    """What the task worker does with the queued report, in its own thread and connection."""
    try:
        services.generate_report(report_id)
    finally:
        connection.close()


def test_a_report_from_the_unit_page_with_a_progress_bar(page: Page, live_server: Any, settings: Any) -> None:
    # Tasks queue up instead of running inside the request, as with a real worker.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    create_demo_organisation(PASSWORD)
    get_user_model().objects.update(language="en")
    unit = Unit.objects.get(code="kuopio-students")
    base = live_server.url
    sign_in(page, base, "admin", PASSWORD)
    page.goto(f"{base}/dashboards/units/{unit.pk}/")
    page.select_option("#id_report-period", "90")
    page.select_option("#id_report-language", "sv")
    page.get_by_role("button", name="Make a PDF report").click()
    page.wait_for_selector("#report-progress")
    assert page.locator(".progress__text").inner_text() == "Queued"
    assert axe_violations(page) == []

    report = Report.objects.get()
    assert (report.unit, report.language, report.status) == (unit, "sv", ReportStatus.QUEUED)
    worker = threading.Thread(target=run_worker, args=(report.pk,))
    worker.start()
    try:
        # When the report is ready the page shows the download by itself.
        page.get_by_role("heading", name="The report is ready").wait_for(timeout=60_000)
    finally:
        worker.join()
    assert axe_violations(page) == []
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename == report.file_name
    path = download.path()
    with open(path, "rb") as file:
        assert file.read(5) == b"%PDF-"

    # The report is listed among the person's reports.
    page.goto(f"{base}/dashboards/reports/")
    listed = page.locator(f'a[href="/dashboards/reports/{report.pk}/"]')
    assert listed.is_visible() and "Student services" in listed.inner_text()
    assert axe_violations(page) == []
