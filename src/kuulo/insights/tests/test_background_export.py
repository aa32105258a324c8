"""The single-responses export runs in the background: asked for, made by the task with
progress kept in the database, downloaded by its requester only; questions' wording as
headings, numbers as numbers; and every figure rounded one way (core/numbers.py)."""

import io
from datetime import timedelta
from typing import Any

import openpyxl
from django.test import TestCase
from django.utils import timezone

from kuulo.audit.models import Export, ExportStatus
from kuulo.core.numbers import rounded
from kuulo.feedback.testing import make_publication, send_answers
from kuulo.insights import exports
from kuulo.insights.figures import Filters
from kuulo.organisations import services as org_services
from kuulo.organisations.models import Role, RoleAssignment
from kuulo.organisations.testing import World, client_for


def answered(world: World, nps: list[int]) -> None:
    publication = make_publication(world.unit, items=("csat", "nps", "open"))
    when = timezone.now() - timedelta(days=1)
    answers = [{"csat": 4, "nps": value, "open": f"Kommentti {n}"} for n, value in enumerate(nps)]
    send_answers(world.users[Role.ADMIN], publication, answers, when=when)


def test_the_export_is_made_in_the_background_and_only_its_requester_gets_it(world: World) -> None:
    answered(world, [10] * 10)
    lead = client_for(world.users[Role.CX_LEAD])
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        asked = lead.post("/dashboards/responses/export/?period=7", {"download": "xlsx"})
    export = Export.objects.get()
    assert asked["Location"] == f"/dashboards/exports/{export.pk}/" and export.status == ExportStatus.QUEUED
    # The request only queues it: the page shows the progress bar, polling the database.
    page = lead.get(asked["Location"]).content.decode()
    assert "<progress" in page and f"/dashboards/exports/{export.pk}/progress/" in page
    assert lead.get(f"/dashboards/exports/{export.pk}/progress/").json()["running"] is True
    assert lead.get(f"/dashboards/exports/{export.pk}/download/").status_code == 302  # not yet
    for callback in queued:
        callback()  # the task, as a worker runs it
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and export.rows == 10 and export.progress == 100
    assert lead.get(f"/dashboards/exports/{export.pk}/progress/").json()["running"] is False
    exports.make_export(export.pk)  # run twice: nothing happens
    sheet = openpyxl.load_workbook(io.BytesIO(lead.get(f"/dashboards/exports/{export.pk}/download/").content))
    rows = list(sheet.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 11 and all(isinstance(row[6], int) for row in rows[1:])  # numbers, no decimals
    # Another CX lead, or the admin, cannot download someone else's.
    other = client_for(world.users[Role.ADMIN])
    assert other.get(f"/dashboards/exports/{export.pk}/").status_code == 404
    assert other.get(f"/dashboards/exports/{export.pk}/download/").status_code == 404


def test_an_export_asked_for_before_the_role_was_taken_away_is_not_made(world: World) -> None:
    answered(world, [10] * 10)
    lead = world.users[Role.CX_LEAD]
    yesterday = timezone.localdate() - timedelta(days=1)
    export = exports.request_responses_export(lead, Filters(start=yesterday, end=yesterday), "csv", "en")
    for assignment in RoleAssignment.objects.filter(membership__user=lead):
        org_services.revoke_role(assignment)
    exports.make_export(export.pk)
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED and export.content == b""


def test_one_rounding_everywhere(world: World) -> None:
    """NPS 12.5: 5 promoters and 4 detractors of 8 … of 16: shown as 13 on the page, in the
    export and through the API, never 12 in one place and 13 in another."""
    assert (rounded(12.5, 0), rounded(-12.5, 0), rounded(4.25, 1), rounded(8.0, 0)) == (13, -13, 4.3, 8)
    assert isinstance(rounded(8.0, 0), int)
    answered(world, [10] * 6 + [0] * 4 + [8] * 6)  # (6 − 4) / 16 = 12.5
    admin = client_for(world.users[Role.ADMIN])
    page = admin.get("/dashboards/?period=7").content.decode()
    assert "+13" in page and "+12<" not in page
    exported = admin.get("/dashboards/export/?download=csv&period=7").content.decode("utf-8-sig")
    unit_row: Any = next(line for line in exported.splitlines() if ";a-unit;" in line)
    assert unit_row.split(";")[5] == "13"
    yesterday = timezone.localdate() - timedelta(days=1)
    api = admin.get(f"/api/v1/insights/units?start={yesterday}&end={yesterday}").json()
    figures = next(u for u in api["units"] if u["unit"] == "a-unit")
    assert figures["metrics"]["nps"]["value"] == 13


def test_an_export_file_is_deleted_after_its_week_by_the_daily_retention_run(world: World) -> None:
    from kuulo.privacy import retention

    answered(world, [10] * 10)
    lead = client_for(world.users[Role.CX_LEAD])
    with TestCase.captureOnCommitCallbacks(execute=True):
        lead.post("/dashboards/responses/export/?period=7", {"download": "xlsx"})
    export = Export.objects.get()
    assert export.status == ExportStatus.DONE and export.content
    week_later = timezone.now() + timedelta(days=8)
    assert retention.apply_everywhere(now=week_later, dry_run=True)["*"]["exports"] == 1
    assert Export.objects.exists()  # a dry run deletes nothing
    retention.apply_everywhere(now=week_later)
    assert not Export.objects.exists()  # nobody had to ask for a new export first


def test_rows_are_never_narrowed_by_respondent_or_age_group(world: World) -> None:
    """Those are not row fields (organisations/rows.py): an export picked by age group would
    tell each row's age group."""
    from kuulo.insights.comments import responses_for_export

    publication = make_publication(world.unit, items=("csat",))
    when = timezone.now() - timedelta(days=1)
    for age in ("-17", "18-29"):
        send_answers(world.users[Role.ADMIN], publication, [{"csat": 4}] * 5, when=when, age_band=age)
    today = timezone.localdate()
    everyone = Filters(start=today - timedelta(days=7), end=today - timedelta(days=1))
    young = Filters(start=everyone.start, end=everyone.end, age_band="-17", respondent_type="student")
    plain, _versions = responses_for_export([world.unit], everyone, 100, threshold=3)
    picked, _versions = responses_for_export([world.unit], young, 100, threshold=3)
    assert len(list(plain)) == len(list(picked)) == 10


def test_an_export_a_stopped_worker_left_behind_is_failed_by_the_daily_run(world: World) -> None:
    from kuulo.privacy import retention

    lead = client_for(world.users[Role.CX_LEAD])
    with TestCase.captureOnCommitCallbacks(execute=False):  # asked for; no worker ever runs it
        asked = lead.post("/dashboards/responses/export/?period=7", {"download": "xlsx"})
    export = Export.objects.get()
    retention.apply_everywhere(now=timezone.now() + timedelta(hours=1))
    export.refresh_from_db()
    assert export.status == ExportStatus.QUEUED  # an hour is not yet stalled
    assert retention.apply_everywhere(now=timezone.now() + timedelta(hours=7))["*"]["stalled_exports"] == 1
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED and export.error
    assert lead.get(f"{asked['Location']}progress/").json()["running"] is False  # the page stops waiting
