"""Test data for the insights domain."""

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from kuulo.audit.models import Export, ExportStatus
from kuulo.organisations.access import Permission, has_permission
from kuulo.organisations.models import Role, Unit
from kuulo.organisations.testing import AccessFixtures, Canary, CanaryKind

from . import alerts, exports, services
from .figures import Filters
from .models import AlertSubscription, Notification, Report, ReportSchedule, ReportStatus


def _export(scope: Any) -> int:
    """A finished export of single responses: the role's own in scope, another
    organisation's admin's out of it (an export is its requester's)."""
    world = scope.world
    owner = (
        world.users.get(scope.role, world.users[Role.STAFF]) if scope.in_scope else world.users["other_admin"]
    )
    return Export.objects.create(
        organisation=owner.membership.organisation,
        requested_by=owner,
        kind="responses",
        file_format="csv",
        parameters={"start": "2026-10-01", "end": "2026-10-31"},
        language="fi",
        status=ExportStatus.DONE,
        file_name="kuulo-responses.csv",
        content=b"Day;Unit\n",
    ).pk


ACCESS_FIXTURES: AccessFixtures = {
    "export_id": _export,
    # A report is its requester's: the role's own, of a unit in scope or out of it.
    "report_id": lambda scope: (
        Report.objects.create(
            organisation=scope.organisation,
            unit=scope.unit,
            period_start="2026-10-01",
            period_end="2026-10-31",
            language="fi",
            requested_by=scope.world.users.get(scope.role, scope.world.users[Role.STAFF]),
            status=ReportStatus.DONE,
            content=b"%PDF-1.4",
        ).pk
    ),
}


def _canary_unit(world: Any, unit: Unit, admin: Any) -> None:
    """The admin's report, notification, alert subscription and report schedule of the unit."""
    code, today = unit.code, timezone.localdate()
    report = Report.objects.create(  # the admin's: other people see only their own reports
        organisation=unit.organisation,
        unit=unit,
        period_start=today - timedelta(days=30),
        period_end=today,
        language="fi",
        requested_by=admin,
        status=ReportStatus.DONE,
        content=f"%PDF-1.4\n% {world.canary_text(code, 'REPORT')}\n".encode(),
    )
    world.mark("REPORT", code, report)
    title = world.mark("NOTE", code, unit)
    Notification.objects.create(user=admin, unit=unit, kind="alert", title=title, body="", url="/", key=code)
    AlertSubscription.objects.create(user=admin, unit=unit)
    ReportSchedule.objects.create(organisation=unit.organisation, unit=unit, user=admin, language="fi")
    export = Export.objects.create(  # the admin's: an export is only its requester's
        organisation=unit.organisation,
        requested_by=admin,
        kind="responses",
        file_format="csv",
        parameters={"start": str(today - timedelta(days=30)), "end": str(today)},
        language="fi",
        status=ExportStatus.DONE,
        file_name=f"kuulo-responses-{code}.csv",
        content=b"Day;Unit\n",
    )
    world.name(unit, report_id=report.pk, export_id=export.pk)


def _canary_principal(world: Any, user: Any, unit: Unit | None) -> list[str]:
    """Something of the person's own on the pages that list one's own things, and a real
    PDF of what their role sees: its figures and comments."""
    today = timezone.localdate()
    AlertSubscription.objects.get_or_create(user=user, unit=unit or world.units[0])
    ReportSchedule.objects.create(
        organisation=user.membership.organisation, unit=unit, user=user, language="fi"
    )
    report = services.request_report(
        user, unit=unit, start=today - timedelta(days=27), end=today, language="fi"
    )
    services.generate_report(report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    urls = [reverse("insights:report_download", args=[report.pk])]
    if has_permission(user, Permission.EXPORT_RESPONSES):
        # The single responses the role may export, made as the background job makes them.
        filters = Filters(start=today - timedelta(days=27), end=today - timedelta(days=1))
        for fmt in ("csv", "xlsx"):
            export = exports.request_responses_export(user, filters, fmt, "fi")
            exports.make_export(export.pk)
            urls.append(reverse("insights:export_download", args=[export.pk]))
    return urls


def _canary_finish(world: Any) -> None:
    """The daily run writes each subscriber a digest of their unit, with its latest comments:
    on a Monday (weekly digests), within a week of the comments."""
    today = timezone.localdate()
    monday = next(day for day in (today + timedelta(days=n) for n in range(-1, 6)) if day.weekday() == 0)
    assert alerts.run_daily(monday)


CANARY = Canary(
    kinds={
        "REPORT": CanaryKind(Permission.MANAGE_ORGANISATION),  # an admin's PDF report: others see their own
        "NOTE": CanaryKind(None, expected=False),  # an admin's notification: nobody else's list shows it
    },
    unit=_canary_unit,
    principal=_canary_principal,
    finish=_canary_finish,
    id_parameters={"subscription": AlertSubscription, "schedule": ReportSchedule},
)
