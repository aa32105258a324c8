"""What the home page shows of the dashboards (its panels, declared in declarations.py):
the person's units' headline figures for yesterday and the last 7 and 28 days against
their targets, and the newest comments. Every figure is a unit page's card
(`metrics.item_cards`), every comment one the unit page shows (`comments.latest_comments`).
"""

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from kuulo.organisations.access import Permission, has_permission, organisation_for, units_for
from kuulo.organisations.models import Unit

from . import comments, metrics
from .figures import Filters

VIEW = Permission.VIEW_INSIGHTS
MAX_UNITS = 4  # the tops of the person's branches shown; the overview has the rest
COMMENT_DAYS = 7
MAX_COMMENTS = 6


def top_units(user: Any) -> list[Unit]:
    """The top of each branch the user sees (its parent is outside their view), in tree order."""
    units = list(units_for(user, VIEW).active().order_by("path"))
    visible = {unit.pk for unit in units}
    return [unit for unit in units if unit.parent_id not in visible]


def figures_panel(request: HttpRequest) -> dict[str, Any] | None:
    organisation = organisation_for(request.user)
    units = top_units(request.user)
    if organisation is None or not units:
        return None
    today = timezone.localdate()
    threshold = organisation.reporting_threshold
    reading = metrics.cards_reading(units[0], today, threshold)  # one read for every unit's cards
    blocks = [
        {
            "unit": unit,
            "cards": metrics.item_cards(unit, today, threshold, reading),
            "can_act": has_permission(request.user, Permission.MANAGE_ACTIONS, unit),
        }
        for unit in units[:MAX_UNITS]
    ]
    return {"blocks": blocks, "threshold": threshold, "more_units": max(len(units) - MAX_UNITS, 0)}


def comments_panel(request: HttpRequest) -> dict[str, Any] | None:
    """The newest comments of the last week in the person's units, newest first."""
    organisation = organisation_for(request.user)
    units = top_units(request.user)[:MAX_UNITS]
    if organisation is None or not units:
        return None
    yesterday = timezone.localdate() - timedelta(days=1)
    filters = Filters(start=yesterday - timedelta(days=COMMENT_DAYS - 1), end=yesterday)
    found = []
    for unit in units:
        found += comments.latest_comments(unit, filters, organisation.text_threshold, MAX_COMMENTS) or []
    found.sort(key=lambda answer: answer.response.responded_at, reverse=True)
    manageable = set(units_for(request.user, Permission.MANAGE_ACTIONS).values_list("pk", flat=True))
    return {
        "comments": found[:MAX_COMMENTS],
        "manageable": manageable,
        "days": COMMENT_DAYS,
        "text_threshold": organisation.text_threshold,
    }
