"""PDF reports: asking for one, watching it being made, downloading it, and monthly
reports. Whoever may see a unit's dashboards may ask for its report; a report of the
whole organisation needs every unit. A report is its requester's (an organisation
admin may open anyone's in scope)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kuulo.audit.services import record
from kuulo.core.forms import add_service_errors
from kuulo.organisations.access import (
    Permission,
    get_for_user_or_404,
    has_organisation_wide,
    has_permission,
    requires,
    restrict,
    units_for,
)

from . import services
from .forms import ReportRequestForm, ReportScheduleForm
from .models import Report, ReportSchedule, ReportStatus

VIEW = Permission.VIEW_INSIGHTS


def _reports(request: HttpRequest) -> QuerySet[Report]:
    reports = restrict(
        Report.objects.select_related("organisation", "unit", "requested_by").defer("content"),
        request.user,
        VIEW,
    )
    if not has_permission(request.user, Permission.MANAGE_ORGANISATION):
        reports = reports.filter(requested_by=request.user.pk)
    return reports


def request_form(request: HttpRequest, data: Any = None, **kwargs: Any) -> ReportRequestForm:
    """The report form for this person: their units, and the organisation if they see all."""
    user: Any = request.user
    return ReportRequestForm(
        data,
        units=units_for(user, VIEW).active().order_by("path"),
        whole_organisation=has_organisation_wide(user, VIEW),
        initial={"language": user.language or get_language(), "period": "last_month"},
        **kwargs,
    )


@requires(VIEW)
def report_list(request: HttpRequest) -> HttpResponse:
    """The person's reports and monthly reports."""
    user: Any = request.user
    schedules = restrict(ReportSchedule.objects.filter(user=user.pk), user, VIEW).select_related(
        "unit", "organisation"
    )
    form = ReportScheduleForm(
        request.POST or None,
        units=units_for(user, VIEW).active().order_by("path"),
        whole_organisation=has_organisation_wide(user, VIEW),
        initial={"language": user.language or get_language()},
    )
    if request.method == "POST":
        if request.POST.get("action") == "unschedule":
            schedule = schedules.filter(pk=request.POST.get("schedule") or 0).first()
            if schedule is not None:
                services.delete_schedule(schedule, request=request)
                messages.success(request, _("You will no longer get that monthly report."))
            return redirect("insights:report_list")
        if form.is_valid():
            try:
                services.save_schedule(
                    user,
                    unit=form.cleaned_data["unit"],
                    language=form.cleaned_data["language"],
                    email=form.cleaned_data["email"],
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Saved. Last month's report will be made on the 1st of every month.")
                )
                return redirect("insights:report_list")
    return render(
        request,
        "insights/report_list.html",
        {
            "reports": _reports(request).filter(requested_by=user.pk)[:50],
            "schedules": schedules,
            "form": form,
        },
    )


@requires(VIEW)
def report_new(request: HttpRequest) -> HttpResponse:
    """Ask for a PDF report (the unit page and the overview post here too)."""
    if request.method == "POST":
        form = request_form(request, request.POST)
        if form.is_valid():
            start, end = form.period_days(timezone.localdate())
            try:
                report = services.request_report(
                    request.user,
                    unit=form.cleaned_data["unit"],
                    start=start,
                    end=end,
                    language=form.cleaned_data["language"],
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("insights:report_detail", report_id=report.pk)
    else:
        unit_id = request.GET.get("unit", "")
        form = request_form(request)
        if unit_id.isdigit():
            form.initial["unit"] = int(unit_id)
    return render(request, "insights/report_new.html", {"form": form})


@requires(VIEW)
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_for_user_or_404(_reports(request), request.user, VIEW, pk=report_id)
    return render(request, "insights/report_detail.html", {"report": report})


@requires(VIEW)
def report_progress(request: HttpRequest, report_id: int) -> JsonResponse:
    """What the progress bar polls: the report's status, in the person's language."""
    report = get_for_user_or_404(_reports(request), request.user, VIEW, pk=report_id)
    return JsonResponse(
        {
            "running": report.is_running,
            "percent": report.progress,
            "text": str(report.get_status_display()),
        }
    )


@requires(VIEW)
def report_download(request: HttpRequest, report_id: int) -> HttpResponse:
    """The PDF, as an attachment; recorded in the audit log like every export."""
    report = get_for_user_or_404(_reports(request).defer(None), request.user, VIEW, pk=report_id)
    if report.status != ReportStatus.DONE:
        return redirect("insights:report_detail", report_id=report.pk)
    record(
        "data.exported",
        request=request,
        target=report,
        details={
            "file": report.file_name,
            "view": "report",
            "start": str(report.period_start),
            "end": str(report.period_end),
        },
    )
    response = HttpResponse(bytes(report.content), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.file_name}"'
    return response
