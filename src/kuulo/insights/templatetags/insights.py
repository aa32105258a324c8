"""How a dashboard figure is written: one inclusion tag, so every table and card shows
hidden, missing, small, changed and on-target values the same way."""

from typing import Any

from django import template

from kuulo.feedback.models import ServicePath
from kuulo.organisations.access import Permission, listed

from ..figures import why_hidden
from ..metrics import DECIMALS, Figure

register = template.Library()


@register.inclusion_tag("insights/_figure.html")
def figure(cell: Figure, threshold: int) -> dict[str, Any]:
    short, reason = why_hidden(cell, threshold) if cell.shown_for else ("", "")
    return {
        "cell": cell,
        "kind": cell.kind,
        "decimals": DECIMALS.get(cell.kind, 1),
        "threshold": threshold,
        "short": short,
        "reason": reason,
    }


@register.inclusion_tag("insights/_chart.html")
def chart(spec: Any) -> dict[str, Any]:
    """Draw a charts.Chart (laid out here, so views only describe what to show)."""
    return {"chart": spec.layout()}


@register.inclusion_tag("insights/_dashboards_nav.html", takes_context=True)
def dashboards_nav(context: template.Context, current: Any) -> dict[str, Any]:
    """The dashboards' own navigation: units, each service path, successes and PDF reports.
    `current` is "units", "surveys", "wall", "reports" or a service path's id. The dashboards pass
    their filters on to each other; the report pages, which have none, do not."""
    request = context["request"]
    return {
        "request": request,
        "current": current,
        "paths": listed(ServicePath.objects.all(), request.user, Permission.VIEW_INSIGHTS),
        "keep_filters": current != "reports",
    }
