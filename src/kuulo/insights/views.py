"""Dashboards: thin views over `metrics`, scoped to the units the user's roles cover."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kuulo.audit.exports import spreadsheet
from kuulo.core.numbers import rounded
from kuulo.feedback.models import ServicePath, Touchpoint
from kuulo.organisations.access import (
    Permission,
    get_for_user_or_404,
    has_permission,
    listed,
    organisation_for,
    requires,
    units_for,
)
from kuulo.organisations.models import Unit

from . import charts, comments, comparison, metrics, report_views
from .figures import why_hidden
from .forms import AlertSubscriptionForm, DashboardFilterForm
from .models import AlertSubscription, Notification

VIEW = Permission.VIEW_INSIGHTS
SORTS = {"responses", "csat", "nps", "ces", "verbal", "complaints"}


def _filter_form(request: HttpRequest) -> DashboardFilterForm:
    touchpoints = listed(Touchpoint.objects.all(), request.user, VIEW).select_related("service_path")
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
            "can_export_responses": has_permission(request.user, Permission.EXPORT_RESPONSES),
            "report_form": report_views.request_form(request),
        },
    )


@requires(VIEW)
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    """How did my unit do yesterday, this week and this month; trends, distributions,
    what changed, and the latest comments."""
    organisation = organisation_for(request.user)
    unit = get_for_user_or_404(Unit.objects.select_related("unit_type"), request.user, VIEW, pk=unit_id)
    form = _filter_form(request)
    filters = form.filters(timezone.localdate())
    threshold = organisation.reporting_threshold
    today = timezone.localdate()
    reading = metrics.unit_reading(unit, filters, threshold, today)  # one read for the whole page
    cards = metrics.item_cards(unit, today, threshold, reading)
    points = metrics.buckets(filters)
    effects = metrics.action_effects(unit, filters, threshold, points, reading)
    markers = [(effect.bucket, str(effect.number)) for effect in effects if effect.bucket is not None]
    trends = metrics.trends(unit, [card.measure for card in cards], filters, threshold, reading)
    labels = [point.label for point in points]
    trend_charts, distribution_charts = [], []
    for card in cards:
        trend = trends[card.version.pk]
        measure = metrics.measure_of(card.version)
        month = card.windows["month"]
        trend_charts.append(
            charts.item_trend(
                card.code,
                measure,
                (card.version.scale_min, card.version.scale_max),
                labels,
                trend.values,
                # A target in another measure (a share, say) does not belong on this axis.
                target=month.target if month.measure == measure else None,
                markers=markers,
            )
        )
        distribution_charts.append(
            charts.item_distribution(card.code, card.version.scale_values(), trend.distribution)
        )
    return render(
        request,
        "insights/unit_detail.html",
        {
            "unit": unit,
            "form": form,
            "filters": filters,
            "cards": cards,
            "trend_charts": trend_charts,
            "effects": effects,
            "distribution_charts": distribution_charts,
            "changes": metrics.significant_item_changes(unit, filters, threshold, reading),
            "comments": comments.latest_comments(unit, filters, organisation.text_threshold),
            # Where the person may plan actions: from a card or a comment, pre-filled.
            "manageable": set(
                units_for(request.user, Permission.MANAGE_ACTIONS).values_list("pk", flat=True)
            ),
            "threshold": threshold,
            "text_threshold": organisation.text_threshold,
            "report_form": report_views.request_form(request),
        },
    )


@requires(VIEW)
def overview_export(request: HttpRequest) -> HttpResponse:
    """The overview's figures as CSV or XLSX (?download=csv): the same filters, scope and suppression."""
    fmt = request.GET.get("download", "xlsx")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    organisation = organisation_for(request.user)
    filters = _filter_form(request).filters(timezone.localdate())
    units = list(units_for(request.user, VIEW).active().order_by("path"))
    threshold = organisation.reporting_threshold
    rows = metrics.unit_rows(units, filters, threshold)

    def cell(figure: metrics.Figure) -> Any:
        if figure.hidden:
            return why_hidden(figure, threshold)[0].replace("\u00a0", " ")
        return rounded(figure.value, metrics.DECIMALS[figure.kind])

    header = [
        _("Unit"),
        _("Unit code"),
        _("Responses"),
        _("Response rate (%)"),
        *(code.upper() for code in metrics.HEADLINE),
        *(_("%(item)s change") % {"item": code.upper()} for code in metrics.HEADLINE),
        _("Verbal feedback"),
        _("Complaints"),
        _("Waiting (min)"),
    ]
    table = [
        [
            row.unit.name,
            row.unit.code,
            cell(row.responses),
            cell(row.response_rate),
            *(cell(row.metrics[code]) for code in metrics.HEADLINE),
            *(row.metrics[code].change for code in metrics.HEADLINE),
            cell(row.verbal),
            cell(row.complaints),
            cell(row.waiting_minutes),
        ]
        for row in rows
    ]
    return spreadsheet(
        request,
        filename=f"kuulo-{filters.start}-{filters.end}",
        header=header,
        rows=table,
        fmt=fmt,
        details={"view": "overview", "start": str(filters.start), "end": str(filters.end)},
    )


@requires(VIEW)
def path_detail(request: HttpRequest, path_id: int) -> HttpResponse:
    """Scores along the touchpoints of one service path, over the user's units."""
    organisation = organisation_for(request.user)
    service_path = get_object_or_404(listed(ServicePath.objects.all(), request.user, VIEW), pk=path_id)
    form = _filter_form(request)
    filters = form.filters(timezone.localdate())
    units = list(units_for(request.user, VIEW).active().order_by("path"))
    roots = [unit for unit in units if unit.parent_id not in {u.pk for u in units}]
    # One unit's subtree at a time (the user's top units to choose from): the same cells
    # the overview shows for that unit when filtered to each touchpoint.
    unit = next(
        (root for root in roots if str(root.pk) == request.GET.get("unit")), roots[0] if roots else None
    )
    touchpoints = list(service_path.touchpoints.order_by("order"))
    threshold = organisation.reporting_threshold
    rows = metrics.path_rows(unit, touchpoints, filters, threshold) if unit else []
    chart = charts.Chart(
        id="path-csat",
        title=_("Satisfaction (CSAT) along the path"),
        labels=[row.touchpoint.name for row in rows],
        category=_("Touchpoint"),
        series=[charts.Series("CSAT", [row.metrics["csat"].value for row in rows])],
        low=1,
        high=5,
        summary=_("Mean satisfaction at each touchpoint of the path, in order."),
    )
    return render(
        request,
        "insights/path_detail.html",
        {
            "service_path": service_path,
            "form": form,
            "filters": filters,
            "rows": rows,
            "chart": chart,
            "unit": unit,
            "roots": roots,
            "threshold": threshold,
        },
    )


@requires(VIEW)
def unit_compare(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A unit against the other units of its type and the organisation: rank, and the
    items that make the difference. Other units appear only blended, never one by one."""
    organisation = organisation_for(request.user)
    unit = get_for_user_or_404(Unit.objects.select_related("unit_type"), request.user, VIEW, pk=unit_id)
    form = _filter_form(request)
    filters = form.filters(timezone.localdate())
    return render(
        request,
        "insights/unit_compare.html",
        {
            "unit": unit,
            "form": form,
            "filters": filters,
            "items": comparison.comparison(
                unit,
                filters,
                organisation.reporting_threshold,
                visible=set(units_for(request.user, VIEW).values_list("pk", flat=True)),
            ),
            "threshold": organisation.reporting_threshold,
            "min_peers": comparison.MIN_PEERS,
        },
    )


@requires(VIEW)
def notifications(request: HttpRequest) -> HttpResponse:
    """The person's alerts and digests, and what they subscribe to."""
    user: Any = request.user  # signed in (requires)
    units = units_for(user, VIEW).active().order_by("path")
    subscriptions = AlertSubscription.objects.filter(user=user).select_related("unit")
    form = AlertSubscriptionForm(request.POST or None, units=units)
    if request.method == "POST":
        action = request.POST.get("action", "subscribe")
        if action == "read":
            Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
            return redirect("insights:notifications")
        if action == "unsubscribe":
            subscriptions.filter(pk=request.POST.get("subscription") or 0).delete()
            messages.success(request, _("You no longer follow that unit."))
            return redirect("insights:notifications")
        if form.is_valid():
            AlertSubscription.objects.update_or_create(
                user=user, unit=form.cleaned_data["unit"], defaults=form.cleaned_data
            )
            messages.success(
                request, _("Saved. Alerts and digests arrive here and, if you chose so, by e-mail.")
            )
            return redirect("insights:notifications")
    return render(
        request,
        "insights/notifications.html",
        {
            "form": form,
            "subscriptions": subscriptions,
            "notifications": Notification.objects.filter(user=user).select_related("unit")[:50],
        },
    )


@requires(VIEW)
def wall(request: HttpRequest) -> HttpResponse:
    """Successes (onnistumiset): the period's best comments, to share with the staff."""
    organisation = organisation_for(request.user)
    form = _filter_form(request)
    filters = form.filters(timezone.localdate())
    units = list(units_for(request.user, VIEW).active())
    praised = comments.praise(units, filters, organisation.text_threshold)
    return render(
        request,
        "insights/wall.html",
        {
            "form": form,
            "filters": filters,
            "comments": praised,
            "text_threshold": organisation.text_threshold,
        },
    )
