"""What a PDF report holds: every figure read through `metrics`, for the person who asked.

A report shows what its requester would see on the dashboards for the same period: the
key figures of the units they may see (the overview's rows, with the same thresholds and
rules for periods, so no figure hidden there can be worked out from a report), the trends
and distributions of the unit page, the changes beyond chance, the actions done with their
before and after, the open actions, the latest comments (only from days on which their
unit had at least the comment threshold of them) and the successes. Like every view, a
report counts complete days only: "this month so far" goes up to yesterday.

There is no theme classifier yet: the "top themes" are what the unit page shows (the
items that changed, the latest comments and the successes).
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.utils import timezone

from kuulo.improvements.models import Action, ActionStatus
from kuulo.organisations.access import Permission, has_organisation_wide, has_permission, restrict, units_for
from kuulo.organisations.models import Unit

from . import charts, comments, metrics
from .models import Report

VIEW = Permission.VIEW_INSIGHTS
COMMENTS = 8  # the latest comments per unit
SUCCESSES = 5
OPEN_ACTIONS = 15


class ReportRefused(Exception):
    """The requester may no longer see what the report is about."""


@dataclass
class Focus:
    """One unit the report looks at closely (the report's unit, or each top unit of the
    organisation), with everything the unit page shows for it."""

    unit: Unit
    row: metrics.UnitRow
    trend_charts: list[charts.Chart]
    distribution_charts: list[charts.Chart]
    changes: list[metrics.Change]
    effects: list[metrics.ActionEffect]
    comments: list[Any] | None  # None: too few responses for comments to be shown
    open_actions: list[Action]


@dataclass
class ReportContent:
    subject: str  # the unit's or the organisation's name
    organisation: str
    start: date
    end: date
    threshold: int
    text_threshold: int
    rows: list[metrics.UnitRow]  # every unit covered, as on the overview
    focuses: list[Focus] = field(default_factory=list)
    successes: list[Any] = field(default_factory=list)


def build(report: Report, progress: Callable[[int], None]) -> ReportContent:
    """Read the report's figures; `progress` hears how far (0–100) the reading is."""
    user = report.requested_by
    organisation = report.organisation
    if user is None or not user.is_active:
        raise ReportRefused
    if report.unit is not None:
        if report.unit.is_archived or not has_permission(user, VIEW, report.unit):
            raise ReportRefused
    elif not has_organisation_wide(user, VIEW):
        raise ReportRefused
    # Complete days only: a report of "this month so far" goes up to yesterday.
    filters = metrics.Filters(start=report.period_start, end=report.period_end).completed(
        timezone.localdate()
    )
    threshold, text_threshold = organisation.reporting_threshold, organisation.text_threshold
    # The overview's rows: suppressed among all the units the person sees, as there.
    visible = list(units_for(user, VIEW).active().select_related("unit_type").order_by("path"))
    rows = metrics.unit_rows(visible, filters, threshold)
    if report.unit is not None:
        rows = [row for row in rows if row.unit.path.startswith(report.unit.path)]
        focus_units = [row.unit for row in rows[:1]]
    else:
        ids = {unit.pk for unit in visible}
        focus_units = [unit for unit in visible if unit.parent_id not in ids]
    progress(30)
    content = ReportContent(
        subject=report.subject_name,
        organisation=str(organisation.name),
        start=filters.start,
        end=filters.end,
        threshold=threshold,
        text_threshold=text_threshold,
        rows=rows,
    )
    by_unit = {row.unit.pk: row for row in rows}
    for number, unit in enumerate(focus_units):
        content.focuses.append(_focus(user, unit, by_unit[unit.pk], filters, threshold, text_threshold))
        progress(30 + 50 * (number + 1) // len(focus_units))
    content.successes = comments.praise([row.unit for row in rows], filters, text_threshold, limit=SUCCESSES)
    return content


def _focus(
    user: Any, unit: Unit, row: metrics.UnitRow, filters: metrics.Filters, threshold: int, text_threshold: int
) -> Focus:
    measures = list(metrics.headline_measures(unit.organisation_id).values())
    points = metrics.buckets(filters)
    labels = [point.label for point in points]
    effects = metrics.action_effects(unit, filters, threshold, points)
    markers = [(effect.bucket, str(effect.number)) for effect in effects if effect.bucket is not None]
    reading = metrics.unit_reading(unit, filters, threshold)  # one read for the trends and changes
    trends = metrics.trends(unit, measures, filters, threshold, reading)
    trend_charts, distribution_charts = [], []
    for version in (measure.version for measure in measures):
        code, measure = version.item.code, metrics.measure_of(version)
        figure = row.metrics.get(code)
        target = figure.target if figure is not None and figure.measure == measure else None
        trend = trends[version.pk]
        chart = charts.item_trend(
            code, measure, (version.scale_min, version.scale_max), labels, trend.values, target, markers
        )
        # A page is wider than a dashboard card: a flatter chart keeps three on a page.
        trend_charts.append(replace(chart, width=900, height=230))
        distribution_charts.append(charts.item_distribution(code, version.scale_values(), trend.distribution))
    open_actions = (
        restrict(Action.objects.select_related("unit", "owner"), user, VIEW)
        .filter(unit__in=Unit.objects.subtree_of(unit))
        .filter(status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS])
        .order_by("due_date", "pk")
    )
    return Focus(
        unit=unit,
        row=row,
        trend_charts=trend_charts,
        distribution_charts=distribution_charts,
        changes=metrics.significant_item_changes(unit, filters, threshold, reading),
        effects=effects,
        comments=comments.latest_comments(unit, filters, text_threshold, limit=COMMENTS),
        open_actions=list(open_actions[:OPEN_ACTIONS]),
    )
