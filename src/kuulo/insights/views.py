"""Dashboards: thin views over `metrics`, scoped to the units the user's roles cover."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kuulo.feedback.models import Touchpoint
from kuulo.organisations.access import Permission, organisation_for, requires, units_for

from . import metrics
from .forms import DashboardFilterForm

VIEW = Permission.VIEW_INSIGHTS
SORTS = {"responses", "csat", "nps", "ces", "verbal", "complaints"}


def _filter_form(request: HttpRequest) -> DashboardFilterForm:
    organisation = organisation_for(request.user)
    touchpoints = Touchpoint.objects.filter(service_path__organisation=organisation).select_related(
        "service_path"
    )
    return DashboardFilterForm(request.GET or None, touchpoints=touchpoints)


def _sort_key(sort: str) -> Any:
    def figure(row: metrics.UnitRow) -> metrics.Figure:
        return row.metrics[sort] if sort in row.metrics else getattr(row, sort)

    # Rows without a shown figure go last, whatever the direction.
    return lambda row: (not figure(row).shown, -(figure(row).value or 0))


@requires(VIEW)
def overview(request: HttpRequest) -> HttpResponse:
    """Every unit the user may see, its key figures against targets, and the trends."""
    organisation = organisation_for(request.user)
    form = _filter_form(request)
    filters = form.filters(timezone.localdate())
    units = list(units_for(request.user, VIEW).active().select_related("unit_type").order_by("path"))
    rows = metrics.unit_rows(units, filters, organisation.reporting_threshold)
    sort = request.GET.get("sort", "")
    if sort in SORTS:
        rows.sort(key=_sort_key(sort))
    return render(
        request,
        "insights/overview.html",
        {
            "form": form,
            "filters": filters,
            "rows": rows,
            "sort": sort if sort in SORTS else "",
            "threshold": organisation.reporting_threshold,
            "headline": list(metrics.HEADLINE),
        },
    )
