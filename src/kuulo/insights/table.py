"""The one table every dashboard reads, with small groups hidden the same way for everyone,
for every period and on every day.

A dashboard cell is a unit's whole subtree under some filters, for one period. Periods
end yesterday at the latest: today's counts change with every answer, so two readings
minutes apart would differ by one respondent. A cell is shown only when, for every unit
in its subtree, the period is made of whole blocks of that unit's own respondents, each
with none or at least the threshold of them (`blocks.py`, docs/adr/0005-suppression.md).
Every shown figure is then a sum of such blocks, and so is anything worked out from shown
figures, of the same or other periods, read today or later ("parent minus the other
children", "this period minus that one", "this week minus last week"): no group of fewer
respondents than the threshold can be worked out. Nothing else needs hiding to protect a
hidden cell: whatever hides a cell hides every cell above it too.

A filter on a dimension (touchpoint, channel, language, respondent type, age band)
splits each cell into parts, one per value, over the same blocks. In each block of each
unit, the values with too few respondents (all values, if those and the respondents
without a value are too few together) are hidden in every cell that holds the unit. The
unsplit cells are exactly those an unfiltered view shows. One dimension at a time.

The result depends only on the organisation's data, the period, the filtered dimensions
and the day, never on who asks or on which page. Every view (overview, unit page,
trends, service path, comparison, exports, API, digests, reports) reads its cells from
here, so the same cell is shown or hidden alike everywhere.
"""

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kuulo.feedback.models import ItemVersion, ServiceVolume, Target
from kuulo.organisations.models import Unit

from .blocks import EVERY, SHOWN, cell_verdicts
from .figures import (
    Figure,
    Filters,
    Measure,
    UnitRow,
    count,
    empty,
    headline_measures,
    hide,
    measure_of,
    metric,
    shape,
)
from .history import COUNTS, History, Sums, Values, read
from .models import SEGMENT
from .stats import Summary

DIMENSIONS = ("touchpoint_id", *SEGMENT)

Key = tuple[int, Values]  # (unit id, one value per filtered dimension; None = any value)


@dataclass
class Tree:
    """An organisation's units: the active ones are rows; archived ones count in their parent."""

    organisation_id: int
    active: dict[int, Unit]
    ancestors: dict[int, list[int]]  # any unit id -> the active units whose subtree holds it
    children: dict[int, list[int]]  # active unit id -> its active children
    # Read once per tree, when first asked: a view builds many tables from one tree.
    _headline: dict[str, Measure] | None = field(default=None, init=False, repr=False)
    _targets: list[Target] | None = field(default=None, init=False, repr=False)

    def headline(self) -> dict[str, Measure]:
        """The organisation's headline measures (`figures.headline_measures`)."""
        if self._headline is None:
            self._headline = headline_measures(self.organisation_id)
        return self._headline

    def targets(self) -> list[Target]:
        """Every target of the organisation (a few per item at most)."""
        if self._targets is None:
            self._targets = list(Target.objects.filter(organisation_id=self.organisation_id))
        return self._targets

    @classmethod
    def of(cls, organisation_id: int) -> "Tree":
        # In path order, so that ties are broken alike on every server and every request.
        units = list(
            Unit.objects.filter(organisation_id=organisation_id).select_related("unit_type").order_by("path")
        )
        active = {unit.pk: unit for unit in units if unit.archived_at is None}
        ancestors = {
            unit.pk: [int(part) for part in unit.path.strip("/").split("/") if int(part) in active]
            for unit in units
        }
        children: defaultdict[int, list[int]] = defaultdict(list)
        for unit in active.values():
            if unit.parent_id in active:
                children[unit.parent_id].append(unit.pk)
        return cls(organisation_id, active, ancestors, dict(children))


@dataclass
class Table:
    """Every active unit's figures under the filters, and the parts beside them."""

    tree: Tree
    filters: Filters
    dimensions: tuple[str, ...]
    cells: dict[Key, UnitRow]
    blank: Callable[[Unit], UnitRow]

    def row(self, unit_id: int, **values: Any) -> UnitRow:
        """The unit's cell under the table's filters, or with some dimension set otherwise
        (`touchpoint_id=...` for one touchpoint of a path)."""
        # A split the filters cannot name (the answer to a question) defaults to the whole cell.
        wanted = tuple(values.get(name, getattr(self.filters, name, None)) for name in self.dimensions)
        found = self.cells.get((unit_id, wanted))
        if found is not None:
            return found
        # An archived unit has no cells of its own: its answers count in its parent's.
        return self.blank(self.tree.active.get(unit_id) or Unit.objects.get(pk=unit_id))


def build(
    tree: Tree,
    filters: Filters,
    threshold: int,
    items: Mapping[str, ItemVersion | Measure],
    *,
    counts: bool = True,
    today: date | None = None,
    history: History | None = None,
) -> Table:
    """The table for one period and filters, as of `today` (the period is cut to end
    yesterday at the latest). `items` names the item versions (or measures of several)
    to show, keyed as the rows' `metrics` will be; `counts` adds responses, verbal
    feedback, complaints, response rates and waiting times; `history` (from `prepare`)
    saves reading the aggregates again for each of several periods."""
    today = today or timezone.localdate()
    filters = replace(filters.completed(today), organisation_id=tree.organisation_id)
    dimensions = _dimensions(filters)
    measures = {key: Measure.of(item) for key, item in items.items()}
    versions = {key: measure.version for key, measure in measures.items()}
    # What the history calls each figure: items by their measure, counts by their kind.
    names = {key: measure.key for key, measure in measures.items()} | {
        kind: kind for kind in (COUNTS if counts else ())
    }
    # A measure of several versions is shown only where each version's own could be.
    decided_by = {names[key]: (names[key], *measure.part_keys) for key, measure in measures.items()}
    every_key = tuple(dict.fromkeys([*names.values(), *(k for keys in decided_by.values() for k in keys)]))
    if history is None or not history.serves(filters.start, filters.end, dimensions, every_key, threshold):
        history = prepare(tree, [filters], measures, threshold, counts=counts, today=today)
    targets = targets_of(tree, versions)
    summed_as = {key: measure_of(version) for key, version in versions.items()}

    def blank(unit: Unit) -> UnitRow:
        return UnitRow(
            unit=unit,
            responses=count(0, threshold),
            verbal=count(0, threshold),
            complaints=count(0, threshold),
            metrics={
                key: metric(empty(version), summed_as[key], threshold, targets.get((unit.pk, key)))
                for key, version in versions.items()
            },
        )

    verdicts = _verdicts(tree, history, every_key, filters, today)
    summed = _rolled_up(tree, history.period_sums(filters.start, filters.end))
    cells: dict[Key, UnitRow] = {}
    for unit_id, values in sorted({key[:2] for key in summed}, key=repr):
        row = blank(tree.active[unit_id])
        for key, version in versions.items():
            if (unit_id, values, names[key]) in summed:
                row.metrics[key] = figure_of(
                    version, summed[(unit_id, values, names[key])], threshold, targets.get((unit_id, key))
                )
        if counts:
            for kind in COUNTS if not values else COUNTS[:2]:  # complaints are not split
                setattr(row, kind, count(summed.get((unit_id, values, kind), [0])[0], threshold))
        for key, figure in [*row.metrics.items(), *((kind, getattr(row, kind)) for kind in COUNTS)]:
            # A part is hidden whenever the cell it splits is.
            name = names.get(key, key)
            verdict = max(
                max(
                    verdicts.get((unit_id, values, part), SHOWN),
                    verdicts.get((unit_id, (EVERY,), part), SHOWN) if values else SHOWN,
                    verdicts.get((unit_id, (), part), SHOWN),
                )
                for part in decided_by.get(name, (name,))
            )
            if verdict != SHOWN and figure.n:  # an empty cell gives nothing away: "no answers"
                hide(figure, verdict)
        cells[(unit_id, values or (None,) * len(dimensions))] = row
    table = Table(tree, filters, dimensions, cells, blank)
    if counts:
        _add_rates(table, threshold)
    return table


def figure_of(version: ItemVersion, sums: Sums, threshold: int, target: Target | None) -> Figure:
    """A cell's figure of one version from its sums (n, Σ, Σ², counts, can't say)."""
    low, high, unit = shape(version)
    n, total, total_sq, *points, cant_say = sums
    summary = Summary(n, total, total_sq, tuple(points[: high - low + 1]), low, high, cant_say, unit)
    return metric(summary, measure_of(version), threshold, target)


def prepare(
    tree: Tree,
    periods: list[Filters],
    items: Mapping[str, ItemVersion | Measure],
    threshold: int,
    *,
    counts: bool,
    today: date | None = None,
) -> History:
    """Read once what tables of these periods (the same filters otherwise) need."""
    today = today or timezone.localdate()
    history = read(
        tree.organisation_id,
        list(tree.ancestors),
        _dimensions(periods[0]),
        [Measure.of(item) for item in items.values()],
        counts=counts,
        periods=[(cut.start, cut.end) for cut in (period.completed(today) for period in periods)],
        threshold=threshold,
    )
    history.tree = tree  # the views that share the reading share the tree it was read for
    return history


def _dimensions(filters: Filters) -> tuple[str, ...]:
    dimensions = tuple(name for name in DIMENSIONS if getattr(filters, name))
    if len(dimensions) > 1:
        # Only one split at a time is proven safe (ADR 0005); the filter form allows no more.
        raise ValueError(f"filter by one of {', '.join(DIMENSIONS)} at a time, not {dimensions}")
    return dimensions


def _verdicts(
    tree: Tree, history: History, keys: tuple[str, ...], filters: Filters, today: date
) -> dict[tuple[int, Values, str], int]:
    """What the period means for each cell (active unit, values, key): see
    `blocks.cell_verdicts`."""
    found = {}
    for key in keys:
        verdicts = cell_verdicts(
            tree.ancestors,
            {unit_id: history.group(unit_id, key, today) for unit_id in tree.ancestors},
            {unit_id: days for (unit_id, kind), days in history.split.items() if kind == key},
            filters.start,
            filters.end,
            history.threshold,
        )
        found.update({(unit_id, values, key): verdict for (unit_id, values), verdict in verdicts.items()})
    return found


def _rolled_up(tree: Tree, own: dict[tuple[int, Values, str], Sums]) -> dict[tuple[int, Values, str], Sums]:
    """Each active unit's sums over its subtree."""
    found: dict[tuple[int, Values, str], Sums] = {}
    for (unit_id, values, key), sums in own.items():
        for holder in tree.ancestors.get(unit_id, []):
            before = found.get((holder, values, key))
            found[(holder, values, key)] = (
                sums if before is None else [a + b for a, b in zip(before, sums, strict=True)]
            )
    return found


def _add_rates(table: Table, threshold: int) -> None:
    """Response rates (beside a response count that may be shown) and waiting times, from
    the service volumes units record; these are not respondents, so not suppressed."""
    filters = table.filters
    volumes = ServiceVolume.objects.filter(
        unit__organisation_id=table.tree.organisation_id, date__range=(filters.start, filters.end)
    )
    if filters.touchpoint_id:
        volumes = volumes.filter(touchpoint_id=filters.touchpoint_id)
    offered: defaultdict[int, int] = defaultdict(int)
    served: defaultdict[int, int] = defaultdict(int)
    waiting: defaultdict[int, float] = defaultdict(float)
    for volume in volumes.only("unit_id", "customers_served", "customers_offered_survey", "waiting_minutes"):
        for above in table.tree.ancestors.get(volume.unit_id, []):
            offered[above] += volume.customers_offered_survey or 0
            if volume.waiting_minutes is not None:
                served[above] += volume.customers_served
                waiting[above] += float(volume.waiting_minutes * Decimal(volume.customers_served))
    wanted = tuple(getattr(filters, name) for name in table.dimensions)
    for unit_id in table.tree.active:
        row = table.cells.setdefault((unit_id, wanted), table.row(unit_id))
        if offered[unit_id]:
            row.response_rate = Figure(kind="percent", n=offered[unit_id])
            if row.responses.value is not None:
                row.response_rate.value = 100 * min(row.responses.value / offered[unit_id], 1.0)
        if served[unit_id]:
            row.waiting_minutes = Figure(
                value=waiting[unit_id] / served[unit_id], kind="minutes", n=served[unit_id]
            )


def targets_of(tree: Tree, versions: Mapping[str, ItemVersion]) -> dict[tuple[int, str], Target]:
    """Each unit's target for each item: its own, its nearest ancestor's, or the
    organisation's default."""
    keys: defaultdict[int, list[str]] = defaultdict(list)
    for key, version in versions.items():
        keys[version.item_id].append(key)
    if not tree.active or not keys:
        return {}
    by_key = {
        (target.unit_id, key): target
        for target in tree.targets()
        if target.item_id in keys
        for key in keys[target.item_id]
    }
    found = {}
    for unit_id in tree.active:
        for key in versions:
            for holder in [*reversed(tree.ancestors[unit_id]), None]:
                if (holder, key) in by_key:
                    found[(unit_id, key)] = by_key[(holder, key)]
                    break
    return found
