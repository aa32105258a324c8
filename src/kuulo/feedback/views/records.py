"""Feedback that staff write down: verbal feedback and the complaints register."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kuulo.core.forms import add_service_errors
from kuulo.organisations.access import (
    Permission,
    get_for_user_or_404,
    listed,
    organisation_for,
    requires,
    restrict,
    units_for,
)
from kuulo.organisations.rows import released

from .. import services
from ..forms import ComplaintFilterForm, ComplaintForm, ServiceVolumeForm, VerbalFeedbackForm
from ..models import Answer, Channel, Complaint, Response, ServiceVolume, Touchpoint

RECORD = Permission.RECORD_FEEDBACK
COMPLAINTS = Permission.MANAGE_COMPLAINTS
VOLUMES = Permission.RECORD_VOLUMES


@requires(RECORD)
def verbal_feedback(request: HttpRequest) -> HttpResponse:
    units = units_for(request.user, RECORD).active()
    touchpoints = listed(Touchpoint.objects.all(), request.user, RECORD).select_related("service_path")
    initial = {"unit": units.first().pk} if units.count() == 1 else {}  # type: ignore[union-attr]
    form = VerbalFeedbackForm(request.POST or None, units=units, touchpoints=touchpoints, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_verbal_feedback(
                recorded_by=request.user,
                language=(get_language() or "fi")[:2],
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you! The feedback was saved."))
            return redirect("feedback:verbal_feedback")
    # What customers said is row-level data: shown only from days and units with a large
    # enough group of it (organisations/rows.py), never as it is being recorded.
    threshold = organisation_for(request.user).text_threshold
    recent = (
        released(
            restrict(Response.objects.filter(channel=Channel.VERBAL), request.user, RECORD),
            threshold=threshold,
        )
        .select_related("unit", "touchpoint")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.all()))
        .order_by("-responded_at")[:20]
    )
    context = {"form": form, "recent": recent, "threshold": threshold}
    return render(request, "feedback/verbal_feedback.html", context)


def _complaint_form(request: HttpRequest, instance: Complaint | None = None) -> ComplaintForm:
    units = units_for(request.user, COMPLAINTS).active()
    handlers = get_user_model().objects.filter(
        membership__organisation=organisation_for(request.user), is_active=True
    )
    return ComplaintForm(request.POST or None, instance=instance, units=units, handlers=handlers)


@requires(COMPLAINTS)
def complaint_list(request: HttpRequest) -> HttpResponse:
    complaints = restrict(Complaint.objects.select_related("unit", "handler"), request.user, COMPLAINTS)
    filters = ComplaintFilterForm(request.GET or None)
    if filters.is_valid():
        if status := filters.cleaned_data["status"]:
            complaints = complaints.filter(status=status)
        if kind := filters.cleaned_data["kind"]:
            complaints = complaints.filter(kind=kind)
    page = Paginator(complaints, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "filters": filters, "query": query.urlencode()}
    return render(request, "feedback/complaint_list.html", context)


def _save(request: HttpRequest, form: ComplaintForm, complaint: Complaint) -> HttpResponse | None:
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        services.save_complaint(complaint, user=request.user, request=request, **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    messages.success(request, _("Case saved."))
    return redirect("feedback:complaint_list")


@requires(COMPLAINTS)
def complaint_create(request: HttpRequest) -> HttpResponse:
    form = _complaint_form(request)
    return _save(request, form, Complaint()) or render(
        request, "feedback/complaint_form.html", {"form": form}
    )


@requires(COMPLAINTS)
def complaint_edit(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = get_for_user_or_404(Complaint.objects.all(), request.user, COMPLAINTS, pk=complaint_id)
    form = _complaint_form(request, complaint)
    return _save(request, form, complaint) or render(
        request, "feedback/complaint_form.html", {"form": form, "complaint": complaint}
    )


@requires(VOLUMES)
def service_volumes(request: HttpRequest) -> HttpResponse:
    """Daily numbers beside the experience: served, offered the survey, waiting and processing times."""
    units = units_for(request.user, VOLUMES).active()
    touchpoints = listed(Touchpoint.objects.all(), request.user, VOLUMES).select_related("service_path")
    initial = {"date": timezone.localdate() - timedelta(days=1)}
    form = ServiceVolumeForm(request.POST or None, units=units, touchpoints=touchpoints, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_service_volume(
                principal=request.user,
                request=request,
                **{name: data[name] for name in ("unit", "touchpoint", "date", *services.VOLUME_FIELDS)},
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Numbers saved."))
            return redirect("feedback:service_volumes")
    recent = restrict(ServiceVolume.objects.select_related("unit", "touchpoint"), request.user, VOLUMES)[:30]
    return render(request, "feedback/service_volumes.html", {"form": form, "recent": recent})
