"""Reading the aggregates for dashboards.

Every figure comes from the aggregate tables (never from raw responses) through
`table.build`, which computes every unit's cells for a period and filters and hides
those that rest on fewer respondents than the organisation's threshold, or could be
worked out from the shown ones, the same way for every view. These functions pick the
cells each dashboard shows and add what is worked out from shown figures: changes and
their significance, ranks, blends of similar units.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from kuulo.feedback.models import CHOICE_KINDS, Item, ItemVersion
from kuulo.improvements.models import Action
from kuulo.organisations.models import Unit

from .figures import (
    DECIMALS,
    HEADLINE,
    Figure,
    Filters,
    Measure,
    UnitRow,
    headline_measures,
    measure_of,
    measure_value,
    set_change,
)
from .history import History
from .periods import calendar_period
from .stats import significant_changes
from .table import Tree, build, prepare

__all__ = [
    "DECIMALS",
    "HEADLINE",
    "Figure",
    "Filters",
    "Measure",
    "UnitRow",
    "headline_measures",
    "measure_of",
    "measure_value",
]


def unit_rows(
    units: list[Unit], filters: Filters, threshold: int, today: date | None = None
) -> list[UnitRow]:
    """The organisation overview: one row per unit (its subtree), every figure checked
    against the threshold, changes tested against the previous period; as of `today`."""
    if not units:
        return []
    today = today or timezone.localdate()
    tree = Tree.of(units[0].organisation_id)
    filters = replace(filters, organisation_id=units[0].organisation_id).completed(today)
    versions = tree.headline()
    history = prepare(tree, [filters, filters.previous()], versions, threshold, counts=True, today=today)
    now = build(tree, filters, threshold, versions, today=today, history=history)
    # The previous period is hidden the same way before any change is worked out:
    # a change reveals the earlier figure it was measured from.
    before = build(tree, filters.previous(), threshold, versions, today=today, history=history)
    rows = []
    for unit in units:
        if unit.pk not in tree.active:
            continue
        row = replace(now.row(unit.pk), unit=unit)
        earlier = before.row(unit.pk)
        for code, figure in row.metrics.items():
            set_change(figure, earlier.metrics[code])
        rows.append(row)
    # Many cells are tested at once: mark only the changes that survive the correction.
    figures = {f"{index}:{code}": f for index, row in enumerate(rows) for code, f in row.metrics.items()}
    kept = significant_changes({key: figure.p_value for key, figure in figures.items()})
    for key, figure in figures.items():
        figure.significant = key in kept
    return rows


def _keyed(items: Iterable[ItemVersion | Measure]) -> dict[str, Measure]:
    """Item versions (or measures) keyed as a table's rows will hold them."""
    return {measure.key: measure for measure in map(Measure.of, items)}


# --- One unit: "how did my unit do yesterday" -----------------------------------------------

# (name, days): yesterday, and the last 7 and 28 days up to yesterday (complete days only).
WINDOWS = (("yesterday", 1), ("week", 7), ("month", 28))
BASELINE_DAYS = 90  # the unit's own baseline: the 90 days before the last 28


@dataclass
class ItemCard:
    """One headline measure of a unit: recent windows against the unit's baseline and target."""

    code: str
    measure: Measure
    version: ItemVersion  # the measure's wording and scale
    windows: dict[str, Figure]
    baseline: Figure


@dataclass
class Change:
    version: ItemVersion
    before: Figure
    after: Figure


@dataclass
class Bucket:
    label: str
    start: date
    end: date


def buckets(filters: Filters) -> list[Bucket]:
    """Days for two weeks, weeks for half a year, months beyond: the trend's points."""
    found = []
    if filters.days <= 14:
        day = filters.start
        while day <= filters.end:
            found.append(Bucket(day.strftime("%d.%m."), day, day))
            day += timedelta(days=1)
    elif filters.days <= 190:
        start = filters.start - timedelta(days=filters.start.weekday())
        while start <= filters.end:
            end = start + timedelta(days=6)
            found.append(
                Bucket(
                    max(start, filters.start).strftime("%d.%m."),
                    max(start, filters.start),
                    min(end, filters.end),
                )
            )
            start = end + timedelta(days=1)
    else:
        start = filters.start.replace(day=1)
        while start <= filters.end:
            following = (start + timedelta(days=32)).replace(day=1)
            found.append(
                Bucket(
                    start.strftime("%m/%Y"),
                    max(start, filters.start),
                    min(following - timedelta(days=1), filters.end),
                )
            )
            start = following
    return found


def _card_periods(unit: Unit, today: date) -> dict[str, Filters]:
    """The unit page's cards: yesterday, the last 7 and 28 days up to yesterday, the last
    whole month, and the unit's baseline, the 90 days before those 28."""
    yesterday = today - timedelta(days=1)
    last = Filters(start=yesterday - timedelta(days=27), end=yesterday, organisation_id=unit.organisation_id)
    first, final = calendar_period("month", today)
    return {
        "baseline": replace(
            last, start=last.start - timedelta(days=BASELINE_DAYS), end=last.start - timedelta(days=1)
        ),
        **{name: replace(last, start=yesterday - timedelta(days=days - 1)) for name, days in WINDOWS},
        # The last whole month: shown where a unit's small days keep the rolling windows to
        # whole months (ADR 0005).
        "whole_month": replace(last, start=first, end=final),
    }


def unit_reading(unit: Unit, filters: Filters, threshold: int, today: date | None = None) -> History:
    """One read of the aggregates for what a unit's page shows: its cards, its trends over
    the filters' period, and the changes from the period before."""
    today = today or timezone.localdate()
    filters = replace(filters, organisation_id=unit.organisation_id).completed(today)
    tree = Tree.of(unit.organisation_id)
    answered = _answered_versions(unit.subtree_ids, filters)
    versions = _keyed(tree.headline().values()) | _keyed(answered)
    periods = [
        *_card_periods(unit, today).values(),
        filters,
        filters.previous(),
        *(replace(filters, start=bucket.start, end=bucket.end) for bucket in buckets(filters)),
    ]
    reading = prepare(tree, periods, versions, threshold, counts=False, today=today)
    reading.answered = answered  # the page's changes are of these
    return reading


def cards_reading(unit: Unit, today: date, threshold: int) -> History:
    """One read of the aggregates for the cards of any units of the unit's organisation
    (the home page shows several units' cards)."""
    tree = Tree.of(unit.organisation_id)
    periods = list(_card_periods(unit, today).values())
    return prepare(tree, periods, tree.headline(), threshold, counts=False, today=today)


def _tree(unit: Unit, reading: History | None) -> Tree:
    """The tree a shared reading was made for, or the unit's organisation's."""
    return reading.tree if reading is not None and reading.tree is not None else Tree.of(unit.organisation_id)


def item_cards(unit: Unit, today: date, threshold: int, reading: History | None = None) -> list[ItemCard]:
    """The unit's headline measures over its cards' windows (`reading`: from `unit_reading`)."""
    tree = _tree(unit, reading)
    versions = tree.headline()
    periods = _card_periods(unit, today)
    reading = reading or prepare(tree, list(periods.values()), versions, threshold, counts=False, today=today)
    rows = {
        name: build(tree, period, threshold, versions, counts=False, today=today, history=reading).row(
            unit.pk
        )
        for name, period in periods.items()
    }
    cards = []
    for code, measure in versions.items():
        figures = {name: row.metrics[code] for name, row in rows.items()}
        baseline = figures.pop("baseline")
        for figure in figures.values():
            set_change(figure, baseline)
        cards.append(ItemCard(code, measure, measure.version, windows=figures, baseline=baseline))
    return cards


@dataclass
class Trend:
    values: list[float | None]  # per point of `buckets(filters)`; None where hidden or empty
    distribution: list[float]  # share (%) of answers at each scale point; empty when hidden


def trends(
    unit: Unit,
    versions: list[ItemVersion] | list[Measure],
    filters: Filters,
    threshold: int,
    reading: History | None = None,
) -> dict[int, Trend]:
    """Each item's (or measure's) value per day, week or month of the period, and its
    distribution over the whole period, by (representative) item version id. Each point
    is the cell every other view shows for that day, week or month."""
    filters = replace(filters, organisation_id=unit.organisation_id).completed(timezone.localdate())
    keyed = _keyed(versions)
    tree = _tree(unit, reading)
    points = [replace(filters, start=bucket.start, end=bucket.end) for bucket in buckets(filters)]
    history = reading or prepare(tree, [filters, *points], keyed, threshold, counts=False)
    rows = [
        build(tree, point, threshold, keyed, counts=False, history=history).row(unit.pk) for point in points
    ]
    whole = build(tree, filters, threshold, keyed, counts=False, history=history).row(unit.pk)
    found = {}
    for key, measure in keyed.items():
        overall = whole.metrics[key]
        shares = (
            [100 * number / overall.summary.n for number in overall.summary.counts]
            if overall.shown and overall.summary and overall.summary.n
            else []
        )
        found[measure.version.pk] = Trend([row.metrics[key].value for row in rows], shares)
    return found


def _answered_versions(unit_ids: list[int], filters: Filters) -> list[ItemVersion]:
    """The item versions with numeric answers in these units within the filters (a choice
    item's n counts its respondents, but it has no mean to compare)."""
    version_ids = (
        filters.stats_table.objects.filter(filters.q(), unit_id__in=unit_ids, n__gt=0)
        .values_list("item_version_id", flat=True)
        .distinct()
    )
    versions = ItemVersion.objects.filter(pk__in=list(version_ids)).exclude(item__kind__in=CHOICE_KINDS)
    return list(versions.select_related("item"))


def significant_item_changes(
    unit: Unit, filters: Filters, threshold: int, reading: History | None = None
) -> list[Change]:
    """Items whose result changed from the previous period by more than chance would
    explain, after correcting for testing many items at once."""
    filters = replace(filters, organisation_id=unit.organisation_id).completed(timezone.localdate())
    if reading is not None and reading.answered is not None:
        keyed = _keyed(reading.answered)
    else:
        keyed = _keyed(_answered_versions(unit.subtree_ids, filters))
    tree = _tree(unit, reading)
    history = reading or prepare(tree, [filters, filters.previous()], keyed, threshold, counts=False)
    now = build(tree, filters, threshold, keyed, counts=False, history=history).row(unit.pk)
    before = build(tree, filters.previous(), threshold, keyed, counts=False, history=history).row(unit.pk)
    changes = {}
    for key, measure in keyed.items():
        after, earlier = now.metrics[key], before.metrics[key]
        set_change(after, earlier)
        if after.change is not None:
            changes[key] = Change(version=measure.version, before=earlier, after=after)
    kept = significant_changes({key: change.after.p_value for key, change in changes.items()})
    return [change for key, change in changes.items() if key in kept]


# --- A service path: where along the way the experience drops ------------------------------------


@dataclass
class TouchpointRow:
    touchpoint: Any
    responses: Figure
    metrics: dict[str, Figure]
    drop: bool = False  # the largest fall in satisfaction from the touchpoint before


def path_rows(unit: Unit, touchpoints: list[Any], filters: Filters, threshold: int) -> list[TouchpointRow]:
    """Headline figures per touchpoint of one path, over the unit's subtree: the cells the
    overview shows for the unit when filtered to each touchpoint (and nothing else: one
    split at a time)."""
    if not touchpoints:
        return []
    filters = replace(
        filters,
        organisation_id=unit.organisation_id,
        touchpoint_id=touchpoints[0].pk,
        channel="",
        language="",
        respondent_type="",
        age_band="",
    )
    tree = Tree.of(unit.organisation_id)
    table = build(tree, filters, threshold, tree.headline())
    rows = []
    for touchpoint in touchpoints:
        row = table.row(unit.pk, touchpoint_id=touchpoint.pk)
        rows.append(TouchpointRow(touchpoint, row.responses, row.metrics))
    falls = []
    for index in range(1, len(rows)):
        before, after = rows[index - 1].metrics.get("csat"), rows[index].metrics.get("csat")
        if (
            before
            and after
            and before.value is not None
            and after.value is not None
            and after.value < before.value
        ):
            falls.append((before.value - after.value, index))
    if falls:
        rows[max(falls)[1]].drop = True
    return rows


# --- Actions on the trend: before and after -------------------------------------------------------

EFFECT_DAYS = 28  # compared: the 28 days before an action was done, and the 28 days from it


@dataclass
class ActionEffect:
    number: int  # its marker on the trend charts
    action: Action
    version: ItemVersion
    before: Figure
    after: Figure
    bucket: int | None  # which point of the trend it was done in


def action_effects(
    unit: Unit, filters: Filters, threshold: int, points: list[Bucket], reading: History | None = None
) -> list[ActionEffect]:
    """Actions of the unit done within the period, each with its metric (satisfaction when
    none was named) before and after, and whether the change is beyond chance."""
    today = timezone.localdate()
    actions = list(
        Action.objects.filter(unit_id__in=unit.subtree_ids, done_on__range=(filters.start, filters.end))
        .select_related("item")
        .order_by("done_on", "pk")
    )
    named = ItemVersion.objects.latest_of(
        Item.objects.filter(pk__in={a.item_id for a in actions if a.item_id})
    )
    newest = {version.item_id: version for version in named.select_related("item")}
    # A headline item's action is measured on its headline measure (every item of its kind).
    tree = _tree(unit, reading)
    headline = tree.headline()
    chosen = []
    for action in actions:
        version = newest.get(action.item_id) if action.item_id else headline["csat"].version
        if version is None or version.scale_min is None or action.done_on is None:
            continue
        measure = headline.get(version.item.kind) or Measure.of(version)
        done = action.done_on
        around = Filters(start=done, end=done, organisation_id=unit.organisation_id)
        periods = (
            replace(around, start=done - timedelta(days=EFFECT_DAYS), end=done - timedelta(days=1)),
            replace(around, end=min(done + timedelta(days=EFFECT_DAYS - 1), today - timedelta(days=1))),
        )
        chosen.append((action, measure, periods))
    if not chosen:
        return []
    every = [period for _action, _version, periods in chosen for period in periods]
    reading = prepare(tree, every, _keyed(v for _a, v, _p in chosen), threshold, counts=False, today=today)
    effects: list[ActionEffect] = []
    for action, measure, periods in chosen:
        done_on = periods[1].start
        before, after = (
            build(tree, period, threshold, {"item": measure}, counts=False, history=reading)
            .row(unit.pk)
            .metrics["item"]
            for period in periods
        )
        set_change(after, before)
        bucket = next((i for i, point in enumerate(points) if point.start <= done_on <= point.end), None)
        effects.append(ActionEffect(len(effects) + 1, action, measure.version, before, after, bucket))
    return effects
