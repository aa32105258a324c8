"""How a dashboard figure is written: one inclusion tag, so every table and card shows
hidden, missing, small, changed and on-target values the same way."""

from typing import Any

from django import template

from ..metrics import DECIMALS, Figure

register = template.Library()


@register.inclusion_tag("insights/_figure.html")
def figure(cell: Figure, threshold: int) -> dict[str, Any]:
    return {"cell": cell, "kind": cell.kind, "decimals": DECIMALS.get(cell.kind, 1), "threshold": threshold}


@register.inclusion_tag("insights/_chart.html")
def chart(spec: Any) -> dict[str, Any]:
    """Draw a charts.Chart (laid out here, so views only describe what to show)."""
    return {"chart": spec.layout()}
