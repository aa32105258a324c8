"""PDF reports: the figures are the dashboards' (thresholds and suppression included),
Finnish text survives, the background job reports progress and runs once, monthly
reports are made once a month, and only their requester (or an admin) gets them."""

import io
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import number_format
from freezegun import freeze_time
from pypdf import PdfReader

# The URL configuration (and the API schemas it imports) loads before any clock is frozen:
# pydantic cannot build a schema of freezegun's datetime.
from kuulo import urls  # noqa: F401
from kuulo.audit.models import AuditEvent
from kuulo.feedback.models import SurveyPublication
from kuulo.feedback.testing import make_publication, send_answers
from kuulo.insights import metrics, services
from kuulo.insights.models import Notification, Report, ReportSchedule, ReportStatus
from kuulo.organisations.models import Role, RoleAssignment
from kuulo.organisations.testing import World, client_for

COMMENT = "Hyvä palvelu – säästin 5 € ja aikaa. Åbo svarade snabbt."
START, END = date(2026, 10, 1), date(2026, 10, 31)


def send(world: World, publication: SurveyPublication, answers: list[dict[str, Any]], day: date) -> None:
    when = timezone.make_aware(datetime(day.year, day.month, day.day, 12))
    send_answers(world.users[Role.ADMIN], publication, answers, when=when)


def english(user: Any) -> Any:
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def make_report(user: Any, unit: Any, captured: Any, language: str = "en") -> Report:
    with captured(execute=True):  # the task runs after commit (immediate backend in tests)
        report = services.request_report(user, unit=unit, start=START, end=END, language=language)
    report.refresh_from_db()
    return report


# The reports are read on this day: whether a period cuts a small group's month or quarter
# depends on which are over (ADR 0005).
READ_ON = "2026-11-20 12:00:00"


@pytest.fixture
def answered(world: World) -> World:
    """12 responses in a-unit on one day (with comments), 3 in a-sibling and 2 at the root
    (each under the threshold of 5 on its day)."""
    unit_publication = make_publication(world.unit, items=("csat", "nps", "open"))
    sibling_publication = make_publication(world.sibling, items=("csat", "nps", "open"))
    send(world, unit_publication, [{"csat": 5, "nps": 10, "open": COMMENT}] * 8, date(2026, 10, 5))
    send(world, unit_publication, [{"csat": 3, "nps": 6, "open": COMMENT}] * 4, date(2026, 10, 5))
    send(world, sibling_publication, [{"csat": 1, "nps": 0, "open": "Kamala jono"}] * 3, date(2026, 10, 7))
    # Two at the root itself. The root holds both small groups and is hidden; the area (and
    # the unit below it) hold neither and are shown.
    root_publication = make_publication(world.root, items=("csat", "nps"))
    send(world, root_publication, [{"csat": 4, "nps": 8}] * 2, date(2026, 10, 8))
    return world


@freeze_time(READ_ON)
def test_a_unit_report_prints_the_dashboards_figures(
    answered: World, django_capture_on_commit_callbacks: Any
) -> None:
    world = answered
    manager = english(world.users[Role.MANAGER])
    report = make_report(manager, world.area, django_capture_on_commit_callbacks)
    assert (report.status, report.progress, report.error) == (ReportStatus.DONE, 100, "")
    reader = PdfReader(io.BytesIO(bytes(report.content)))
    with translation.override("en"):
        assert reader.metadata is not None and world.area.name in str(reader.metadata.title)
    assert "Customer experience report" in str(reader.metadata.title)
    text = pdf_text(bytes(report.content))
    with translation.override("en"):
        assert "Customer experience report" in text and world.area.name in text

    # The same figures as the overview shows the manager for the same period.
    filters = metrics.Filters(start=START, end=END)
    rows = metrics.unit_rows([world.area, world.unit], filters, world.org.reporting_threshold)
    csat, nps = rows[0].metrics["csat"], rows[0].metrics["nps"]
    assert csat.value == pytest.approx(13 / 3) and rows[0].responses.value == 12
    with translation.override("en"):
        assert number_format(round(csat.value or 0, 1), 1) in text  # 4.3
        assert f"+{number_format(round(nps.value or 0), 0)}" in text  # NPS +33
    assert "Responses" in text and "12" in text
    # Comments: 12 on one day reach the comment threshold of 10; Finnish and Swedish letters survive.
    assert COMMENT in text.replace("\n", " ")
    assert "Kamala jono" not in text  # the sibling is not in the area


@freeze_time(READ_ON)
def test_small_groups_stay_hidden_in_the_organisation_report(
    answered: World, django_capture_on_commit_callbacks: Any
) -> None:
    world = answered
    admin = english(world.users[Role.ADMIN])
    report = make_report(admin, None, django_capture_on_commit_callbacks)
    assert report.status == ReportStatus.DONE, report.error
    text = pdf_text(bytes(report.content))
    with translation.override("en"):  # names in the report's language
        assert world.org.name in text and world.sibling.name in text
    # The sibling's 3 answers (CSAT 1.0, NPS −100) are hidden, and so is the root that holds
    # them: October's end block goes on into the quarter, which is not over yet.
    rows = metrics.unit_rows(
        [world.root, world.area, world.unit, world.sibling],
        metrics.Filters(start=START, end=END),
        world.org.reporting_threshold,
    )
    assert rows[3].metrics["csat"].hidden and rows[3].responses.hidden
    assert rows[0].responses.hidden and rows[0].responses.shown_for == "quarters"
    sibling_line = text[text.index(world.sibling.name) :].split("\n")[1:7]
    # (right-aligned cells come out of the text extraction with leading spaces, a cell per
    # line or two)
    assert {cell.strip() for cell in sibling_line} == {"whole", "quarters"}  # responses, CSAT, NPS
    assert "shown for whole months (quarters, years) only" in text.replace("\n", " ")
    assert "1.0" not in text  # the sibling's CSAT
    assert "Kamala jono" not in text  # three comments on its day: below the comment threshold
    assert "17" not in text  # the organisation's responses (12 + 3 + 2) would give the small ones


@freeze_time(READ_ON)
def test_the_report_is_written_in_its_own_language(
    answered: World, django_capture_on_commit_callbacks: Any
) -> None:
    world = answered
    report = make_report(
        english(world.users[Role.MANAGER]), world.area, django_capture_on_commit_callbacks, "fi"
    )
    reader = PdfReader(io.BytesIO(bytes(report.content)))
    assert reader.root_object["/Lang"] == "fi"
    text = pdf_text(bytes(report.content))
    assert "4,3" in text  # a decimal comma in Finnish
    assert COMMENT in text.replace("\n", " ")


def test_the_job_runs_once_and_keeps_its_progress(
    answered: World, django_capture_on_commit_callbacks: Any
) -> None:
    world = answered
    manager = english(world.users[Role.MANAGER])
    report = services.request_report(manager, unit=world.unit, start=START, end=END, language="en")
    client = client_for(manager)
    progress = client.get(f"/dashboards/reports/{report.pk}/progress/").json()
    assert progress == {"running": True, "percent": 0, "text": "Queued"}
    services.generate_report(report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.finished_at is not None
    first = bytes(report.content)
    services.generate_report(report.pk)  # the task again: nothing changes
    report.refresh_from_db()
    assert bytes(report.content) == first
    progress = client.get(f"/dashboards/reports/{report.pk}/progress/").json()
    assert progress == {"running": False, "percent": 100, "text": "Ready"}


def test_a_report_fails_when_the_requester_lost_the_unit(world: World) -> None:
    manager = english(world.users[Role.MANAGER])
    report = services.request_report(manager, unit=world.unit, start=START, end=END, language="en")
    RoleAssignment.objects.filter(membership__user=manager).delete()
    services.generate_report(report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and report.content == b""
    assert report.error == "You can no longer see the figures of this report."


def test_asking_for_a_report_in_the_browser_form(
    answered: World, django_capture_on_commit_callbacks: Any
) -> None:
    world = answered
    manager = english(world.users[Role.MANAGER])
    client = client_for(manager)
    page = client.get(f"/dashboards/units/{world.area.pk}/")
    assert b'name="report-unit"' in page.content and b"Make a PDF report" in page.content
    data = {"report-unit": world.area.pk, "report-period": "custom", "report-start": START, "report-end": END}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/dashboards/reports/new/", {**data, "report-language": "en"})
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/dashboards/reports/{report.pk}/"
    assert (report.unit, report.period_start, report.period_end) == (world.area, START, END)
    assert b"Download the PDF" in client.get(response["Location"]).content
    # Another unit, or the whole organisation, is not the manager's to ask for.
    refused = client.post(
        "/dashboards/reports/new/", {**data, "report-unit": world.sibling.pk, "report-language": "en"}
    )
    assert refused.status_code == 200 and "report-unit" in refused.context["form"].add_prefix("unit")
    assert refused.context["form"].errors["unit"]
    refused = client.post("/dashboards/reports/new/", {**data, "report-unit": "", "report-language": "en"})
    assert refused.context["form"].errors["unit"]
    assert Report.objects.count() == 1


def test_the_last_month_is_the_default_period(world: World) -> None:
    from kuulo.insights.forms import ReportRequestForm

    form = ReportRequestForm(
        {"report-unit": world.unit.pk, "report-period": "last_month", "report-language": "fi"},
        units=world.org.units.all(),
        whole_organisation=False,
    )
    assert form.is_valid(), form.errors
    assert form.period_days(date(2026, 3, 15)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert form.period_days(date(2026, 1, 1)) == (date(2025, 12, 1), date(2025, 12, 31))


def test_download_is_an_audited_attachment(answered: World, django_capture_on_commit_callbacks: Any) -> None:
    world = answered
    manager = english(world.users[Role.MANAGER])
    report = make_report(manager, world.area, django_capture_on_commit_callbacks)
    response = client_for(manager).get(f"/dashboards/reports/{report.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="kuulo-a-area-{START}-{END}.pdf"'
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action="data.exported")
    assert event.actor == manager and event.target_id == str(report.pk)
    assert event.details["file"] == f"kuulo-a-area-{START}-{END}.pdf"


def test_only_the_requester_or_an_admin_gets_a_report(
    answered: World, django_capture_on_commit_callbacks: Any
) -> None:
    world = answered
    manager = english(world.users[Role.MANAGER])
    report = make_report(manager, world.unit, django_capture_on_commit_callbacks)
    download = f"/dashboards/reports/{report.pk}/download/"
    # Staff of the same unit may see its dashboards, but the report is the manager's.
    assert client_for(world.users[Role.STAFF]).get(download).status_code == 404
    assert client_for(world.users[Role.STAFF]).get(f"/dashboards/reports/{report.pk}/").status_code == 404
    assert client_for(world.users[Role.ADMIN]).get(download).status_code == 200
    assert client_for(world.users["other_admin"]).get(download).status_code == 404
    # An organisation report needs every unit: nobody below the organisation reaches one.
    organisation_report = make_report(world.users[Role.CX_LEAD], None, django_capture_on_commit_callbacks)
    organisation_report.requested_by = manager
    organisation_report.save()
    assert client_for(manager).get(f"/dashboards/reports/{organisation_report.pk}/").status_code == 404
    assert report in client_for(manager).get("/dashboards/reports/").context["reports"]


def test_monthly_reports_are_made_once_and_announced(
    answered: World, django_capture_on_commit_callbacks: Any
) -> None:
    world = answered
    manager = english(world.users[Role.MANAGER])
    schedule = services.save_schedule(manager, unit=world.area, language="en", email=True)
    ReportSchedule.objects.filter(pk=schedule.pk).update(
        created_at=timezone.make_aware(datetime(2026, 9, 20))
    )
    newcomer = services.save_schedule(english(world.users[Role.ADMIN]), unit=None, language="fi", email=False)
    ReportSchedule.objects.filter(pk=newcomer.pk).update(
        created_at=timezone.make_aware(datetime(2026, 11, 1, 9))
    )
    first_of_november = date(2026, 11, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.run_schedules(first_of_november) == 1  # the newcomer's first is November's
    with django_capture_on_commit_callbacks(execute=True):
        assert services.run_schedules(first_of_november) == 0  # safe to run twice
        assert services.run_schedules(first_of_november + timedelta(days=1)) == 0
    report = Report.objects.get()
    assert (report.schedule, report.unit, report.requested_by) == (schedule, world.area, manager)
    assert (report.period_start, report.period_end, report.status) == (START, END, ReportStatus.DONE)
    notification = Notification.objects.get(user=manager)
    assert notification.kind == "report" and notification.url == f"/dashboards/reports/{report.pk}/"
    assert notification.title == f"Monthly report ready: {world.area.name}"
    assert [message.to for message in mail.outbox] == [[manager.email]]
    # A month later both schedules make their report.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.run_schedules(date(2026, 12, 1)) == 2
    assert Report.objects.filter(schedule=newcomer, period_start=date(2026, 11, 1)).exists()


def test_a_schedule_makes_nothing_once_the_unit_is_out_of_reach(world: World) -> None:
    manager = english(world.users[Role.MANAGER])
    schedule = services.save_schedule(manager, unit=world.area, language="en", email=True)
    ReportSchedule.objects.filter(pk=schedule.pk).update(
        created_at=timezone.make_aware(datetime(2026, 9, 20))
    )
    RoleAssignment.objects.filter(membership__user=manager).delete()
    assert services.run_schedules(date(2026, 11, 1)) == 0
    assert not Report.objects.exists()


def test_subscribing_and_stopping_on_the_reports_page(world: World) -> None:
    manager = english(world.users[Role.MANAGER])
    client = client_for(manager)
    response = client.post(
        "/dashboards/reports/", {"action": "schedule", "unit": world.unit.pk, "language": "sv", "email": "on"}
    )
    assert response.status_code == 302
    schedule = ReportSchedule.objects.get()
    assert (schedule.user, schedule.unit, schedule.language, schedule.email) == (
        manager,
        world.unit,
        "sv",
        True,
    )
    assert AuditEvent.objects.filter(action="report.scheduled", actor=manager).exists()
    refused = client.post("/dashboards/reports/", {"action": "schedule", "unit": "", "language": "fi"})
    assert refused.status_code == 200 and refused.context["form"].errors["unit"]
    # Someone else's schedule cannot be stopped from here.
    other = services.save_schedule(world.users[Role.ADMIN], unit=world.unit, language="fi", email=False)
    client.post("/dashboards/reports/", {"action": "unschedule", "schedule": other.pk})
    client.post("/dashboards/reports/", {"action": "unschedule", "schedule": schedule.pk})
    assert list(ReportSchedule.objects.all()) == [other]
