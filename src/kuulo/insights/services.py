"""Writes of the insights domain: PDF reports (asked for, made in the background) and
their monthly schedules. Every write is atomic and audited."""

import logging
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kuulo.audit.services import record
from kuulo.organisations.access import Permission, has_organisation_wide, has_permission, organisation_for
from kuulo.organisations.models import Unit

from . import alerts, pdf, reports
from .models import Report, ReportSchedule, ReportStatus
from .periods import calendar_period

logger = logging.getLogger(__name__)
VIEW = Permission.VIEW_INSIGHTS
MAX_REPORT_DAYS = 3 * 366


def _check_subject(user: Any, unit: Unit | None) -> None:
    """A unit's report needs the unit's insights; the organisation's, all of them."""
    if unit is None:
        if not has_organisation_wide(user, VIEW):
            raise ValidationError({"unit": _("You can ask for reports of your own units only.")})
    elif unit.is_archived or not has_permission(user, VIEW, unit):
        raise ValidationError({"unit": _("You can ask for reports of your own units only.")})


def request_report(
    user: Any, *, unit: Unit | None, start: date, end: date, language: str, request: Any = None
) -> Report:
    """Queue a report of the unit (None: the whole organisation) for the period."""
    _check_subject(user, unit)
    if start > end:
        raise ValidationError(_("The first day must come before the last."))
    if end > timezone.localdate():
        raise ValidationError(_("The period cannot end in the future."))
    if (end - start).days >= MAX_REPORT_DAYS:
        raise ValidationError(_("Choose at most three years."))
    with transaction.atomic():
        report = Report.objects.create(
            organisation=organisation_for(user),
            unit=unit,
            period_start=start,
            period_end=end,
            language=language,
            requested_by=user,
        )
        record(
            "report.requested",
            request=request,
            actor=user,
            target=report,
            details={"start": str(start), "end": str(end), "language": language},
        )
    _enqueue(report)
    return report


def _enqueue(report: Report) -> None:
    from .tasks import generate_report  # the tasks module imports this one

    transaction.on_commit(lambda: generate_report.enqueue(report.pk))


def _set_progress(report_id: int, percent: int) -> None:
    Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(progress=percent)


def generate_report(report_id: int) -> None:
    """Read the figures and draw the PDF of one queued report; safe to run twice (only a
    queued report runs). Progress is kept in the database for the progress bar."""
    if not Report.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING, progress=5
    ):
        return
    report = Report.objects.select_related("organisation", "unit", "requested_by", "schedule").get(
        pk=report_id
    )
    with translation.override(report.language):
        try:
            content = reports.build(report, lambda percent: _set_progress(report_id, percent))
            document = pdf.render(content)
        except reports.ReportRefused:
            _fail(report, _("You can no longer see the figures of this report."))
            return
        except Exception:
            logger.exception("Report %s failed", report_id)
            _fail(report, _("The report could not be made because of an error. Ask for it again."))
            return
        with transaction.atomic():
            report.content = document
            report.status = ReportStatus.DONE
            report.progress = 100
            report.finished_at = timezone.now()
            report.save(update_fields=["content", "status", "progress", "finished_at"])
            if report.schedule is not None and report.requested_by is not None:
                _tell_ready(report)


def _fail(report: Report, message: str) -> None:
    report.status = ReportStatus.FAILED
    report.progress = 100
    report.error = message
    report.finished_at = timezone.now()
    report.save(update_fields=["status", "progress", "error", "finished_at"])


def _tell_ready(report: Report) -> None:
    """A scheduled report is ready: a notification in the person's list (and e-mail)."""
    assert report.schedule is not None and report.requested_by is not None
    period = f"{date_format(report.period_start, 'SHORT_DATE_FORMAT')}–"
    period += date_format(report.period_end, "SHORT_DATE_FORMAT")
    alerts.notify(
        report.requested_by,
        unit=report.unit,
        kind="report",
        key=f"report:{report.pk}",
        title=_("Monthly report ready: %(subject)s") % {"subject": report.subject_name},
        body=_("The PDF report of %(subject)s for %(period)s is ready to download.")
        % {"subject": report.subject_name, "period": period},
        url=reverse("insights:report_detail", args=[report.pk]),
        email=report.schedule.email,
    )


# --- Monthly schedules ----------------------------------------------------------------------------


def save_schedule(
    user: Any, *, unit: Unit | None, language: str, email: bool, request: Any = None
) -> ReportSchedule:
    """Subscribe the person to the monthly report of a unit (None: the organisation)."""
    _check_subject(user, unit)
    with transaction.atomic():
        schedule, _created = ReportSchedule.objects.update_or_create(
            user=user,
            organisation=organisation_for(user),
            unit=unit,
            defaults={"language": language, "email": email},
        )
        record(
            "report.scheduled", request=request, actor=user, target=schedule, details={"language": language}
        )
    return schedule


def delete_schedule(schedule: ReportSchedule, *, request: Any = None) -> None:
    with transaction.atomic():
        record("report.unscheduled", request=request, target=schedule)
        schedule.delete()


def previous_month(today: date) -> tuple[date, date]:
    return calendar_period("month", today)


def run_schedules(today: date | None = None) -> int:
    """Queue last month's report for every schedule that lacks it; returns how many.

    Run daily: on the 1st it makes the reports, and a day the run was missed is caught up
    on the next. A schedule made during a month starts with that month's report."""
    today = today or timezone.localdate()
    start, end = previous_month(today)
    created = 0
    schedules = ReportSchedule.objects.filter(created_at__date__lt=today.replace(day=1)).select_related(
        "user", "unit", "organisation"
    )
    for schedule in schedules.exclude(reports__period_start=start):
        user = schedule.user
        try:
            _check_subject(user, schedule.unit)
        except ValidationError:
            continue  # roles change: never report on a unit the person may no longer see
        if not user.is_active:
            continue
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    organisation=schedule.organisation,
                    unit=schedule.unit,
                    period_start=start,
                    period_end=end,
                    language=schedule.language,
                    requested_by=user,
                    schedule=schedule,
                )
                record(
                    "report.requested",
                    actor=user,
                    target=report,
                    details={"start": str(start), "end": str(end), "schedule": schedule.pk},
                )
        except IntegrityError:
            continue  # another run made it just now
        _enqueue(report)
        created += 1
    return created
