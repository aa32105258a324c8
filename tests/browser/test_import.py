"""Importing a large export in a real browser: upload, a progress bar while a worker reads
the file, column choices, a live progress bar while a worker checks 100,000 rows, and the
result; a bad file's error report."""

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from playwright.sync_api import Page

from kuulo.demo.data import create_demo_organisation
from kuulo.feedback import imports
from kuulo.feedback.models import Channel, ImportStatus, Response, ResponseImport, SurveyPublication
from kuulo.feedback.testing import limesurvey_export

from .conftest import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-Password-2026"
ROWS = 100_000


@pytest.fixture
def publication(live_server: Any) -> SurveyPublication:
    create_demo_organisation(PASSWORD)
    get_user_model().objects.update(language="en")
    return SurveyPublication.objects.get(unit__code="kuopio-students")


def upload(page: Page, base: str, publication: SurveyPublication, path: Path) -> None:
    sign_in(page, base, "admin", PASSWORD)
    page.goto(f"{base}/feedback/imports/")
    page.select_option("#id_publication", str(publication.pk))
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Upload and choose columns").click()
    page.wait_for_url("**/feedback/imports/*/")


def run_worker(work: Callable[[int], None], import_id: int) -> None:
    """What the task worker does with the queued import, in its own thread and connection."""
    try:
        work(import_id)
    finally:
        connection.close()


def test_a_100000_row_file_imports_with_a_progress_bar(
    page: Page, live_server: Any, publication: SurveyPublication, settings: Any, tmp_path: Path
) -> None:
    # Tasks queue up instead of running inside the request, as with a real worker.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    path = tmp_path / "limesurvey-export.csv"
    path.write_bytes(limesurvey_export(ROWS))
    before = Response.objects.count()
    upload(page, live_server.url, publication, path)

    # The upload only stored the file: a worker reads it while the page waits for it.
    assert page.locator(".progress__text").inner_text() == "Reading the file"
    assert axe_violations(page) == []
    job = ResponseImport.objects.get()
    reader = threading.Thread(target=run_worker, args=(imports.read_file, job.pk))
    reader.start()
    try:
        # When the file has been read the page shows the column choices by itself.
        page.wait_for_selector("#id_column_0", timeout=60_000)
    finally:
        reader.join()
    # The columns were recognised from LimeSurvey's names and the item codes.
    assert [page.input_value(f"#id_column_{n}") for n in range(6)] == [
        "external_id", "responded_at", "language", "q:csat", "q:ces", "q:open",
    ]  # fmt: skip
    assert page.get_by_text("For example: Kiitos nopeasta palvelusta!").is_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_selector("#import-progress")
    assert page.locator(".progress__text").inner_text() == "Queued"
    assert axe_violations(page) == []

    worker = threading.Thread(target=run_worker, args=(imports.run_import, job.pk))
    worker.start()
    try:
        # The bar moves while the rows are checked, with the count in words beside it.
        page.wait_for_function(
            "() => { const bar = document.getElementById('import-progress');"
            " return bar && bar.value > 0 && bar.value < 90; }",
            timeout=60_000,
        )
        assert "Checking rows:" in page.locator(".progress__text").inner_text()
        # When the import is done the page shows the result by itself.
        page.get_by_role("heading", name="Import done").wait_for(timeout=120_000)
    finally:
        worker.join()
    assert "100000 responses were imported." in page.locator(".message").inner_text()
    assert axe_violations(page) == []
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportStatus.DONE, ROWS)
    assert Response.objects.count() - before == ROWS
    assert Response.objects.filter(channel=Channel.IMPORT).count() == ROWS


def test_a_bad_file_shows_its_problems_by_row_and_column(
    page: Page, live_server: Any, publication: SurveyPublication, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text("id;csat;open\n1;5;Hyvä\n2;8;Huono\n3;4;Ok;extra\n")
    upload(page, live_server.url, publication, path)
    page.get_by_role("button", name="Check and import").click()  # tasks run at once here
    page.get_by_role("heading", name="Nothing was imported").wait_for()
    rows = page.locator("table tbody tr").all_inner_texts()
    assert [row.split("\t")[:2] for row in rows] == [["3", "csat"], ["4", "–"]]
    assert axe_violations(page) == []
    # The column choices stay on the page to run it again, and the keyboard reaches them.
    page.keyboard.press("Tab")
    assert page.locator("#id_column_0").is_visible()
    assert Response.objects.filter(channel=Channel.IMPORT).count() == 0


def test_values_and_unfinished_responses_are_chosen_in_the_mapping_step(
    page: Page, live_server: Any, publication: SurveyPublication, tmp_path: Path
) -> None:
    path = tmp_path / "limesurvey.csv"
    path.write_text(
        "id;submitdate;startdate;csat;open\n"
        "1;2026-11-02 09:12;2026-11-02 09:10;Melko hyvä;Kiitos\n"
        "2;;2026-11-02 10:00;En osaa sanoa;Kesken\n"
        "3;2026-11-02 11:00;2026-11-02 10:58;4;\n"
    )
    upload(page, live_server.url, publication, path)
    # The survey cannot read "Melko hyvä": the page asks what it stands for.
    choice = page.get_by_label("“Melko hyvä” in the column “csat”")
    assert choice.is_visible()
    assert axe_violations(page) == []
    choice.select_option("4")
    page.get_by_label("Import them, dated by their own start or last-action time").check()
    page.get_by_role("button", name="Check and import").click()  # tasks run at once here
    page.get_by_role("heading", name="Import done").wait_for()
    assert "3 responses were imported." in page.locator(".message--success").inner_text()
    notes = page.get_by_role("region", name="How the file was read").inner_text()
    assert "(“En osaa sanoa”)" in notes
    assert axe_violations(page) == []
    unfinished = Response.objects.get(source_key=f"import:{publication.code}:2")
    assert unfinished.responded_at == datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
