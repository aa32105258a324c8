"""Single responses for export: asked for with the dashboard's filters, made in the
background with a progress bar, downloaded when ready. An export is its requester's,
and only while they may still export single responses."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from kuulo.audit import exports as audit_exports
from kuulo.audit.models import Export, ExportStatus
from kuulo.organisations.access import Permission, get_for_user_or_404, requires, restrict

from . import exports
from .views import _filter_form

EXPORT = Permission.EXPORT_RESPONSES


def _exports(request: HttpRequest) -> QuerySet[Export]:
    user: Any = request.user
    return restrict(Export.objects.filter(requested_by=user.pk, kind=exports.KIND), user, EXPORT)


@requires(EXPORT)
@require_POST
def responses_export(request: HttpRequest) -> HttpResponse:
    """Queue the export of the dashboard's period (its filters in the query string)."""
    fmt = request.POST.get("download", "xlsx")
    if fmt not in audit_exports.FORMATS:
        raise Http404
    filters = _filter_form(request).filters(timezone.localdate())
    user: Any = request.user
    export = exports.request_responses_export(user, filters, fmt, user.language or get_language())
    return redirect("insights:export_detail", export_id=export.pk)


@requires(EXPORT)
def export_detail(request: HttpRequest, export_id: int) -> HttpResponse:
    export = get_for_user_or_404(_exports(request).defer("content"), request.user, EXPORT, pk=export_id)
    return render(request, "insights/export_detail.html", {"export": export})


@requires(EXPORT)
def export_progress(request: HttpRequest, export_id: int) -> JsonResponse:
    """What the progress bar polls."""
    export = get_for_user_or_404(_exports(request).defer("content"), request.user, EXPORT, pk=export_id)
    return JsonResponse(
        {"running": export.is_running, "percent": export.progress, "text": str(export.get_status_display())}
    )


@requires(EXPORT)
def export_download(request: HttpRequest, export_id: int) -> HttpResponse:
    export = get_for_user_or_404(_exports(request), request.user, EXPORT, pk=export_id)
    if export.status != ExportStatus.DONE:
        return redirect("insights:export_detail", export_id=export.pk)
    return audit_exports.download(request, export)
