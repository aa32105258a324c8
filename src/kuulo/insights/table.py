"""The one table every dashboard reads, with small groups hidden the same way for everyone.

A dashboard cell is a unit's whole subtree under some filters. Hiding only the cells
built from fewer respondents than the threshold is not enough: "parent minus the other
children" along the unit tree, or "total minus the other touchpoints" along a filter,
would give them back. So, for one period, the figures of *every* active unit of the
organisation are computed together, and more cells are hidden until no group is left
with exactly one unknown part (`protect`).

The result depends only on the organisation's data, the period and the filtered
dimensions, never on who asks or on which page. Every view (overview, unit page,
trends, service path, comparison, exports, API, digests) reads its cells from here, so
the same cell is shown or hidden alike everywhere and putting views side by side gives
away nothing that one view would not.

A filter on a dimension (touchpoint, channel, language, respondent type, age band)
splits each cell into parts, one per value. The table is built coarse to fine: first
the unfiltered cells along the unit tree, then the parts. Parts may be hidden, never the
cell they split, so the coarse cells are exactly those an unfiltered view shows.
Respondents with no value (no touchpoint, language not asked) are never shown as a part:
they are the rest. One dimension at a time: combinations could not be kept safe.

Not protected here (docs/adr/0005-suppression.md): differences between overlapping
periods (a custom period one day longer than another).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.db.models import Count, Sum

from kuulo.feedback.models import Channel, Complaint, ItemVersion, ServiceVolume, Target
from kuulo.organisations.models import Unit

from .figures import Figure, Filters, UnitRow, count, empty, hide, measure_of, metric, summaries
from .models import SEGMENT, DailyResponseCount, DailySegmentStats, DailyUnitCount

DIMENSIONS = ("touchpoint_id", *SEGMENT)
NO_VALUE = (0, "", None)  # no touchpoint, not asked: the rest of a cell, never a part of its own

Values = tuple[Any, ...]  # one per filtered dimension of a table; None = any value
Key = tuple[int, Values]  # (unit id, values)


@dataclass
class Tree:
    """An organisation's units: the active ones are rows; archived ones count in their parent."""

    organisation_id: int
    active: dict[int, Unit]
    ancestors: dict[int, list[int]]  # any unit id -> the active units whose subtree holds it
    children: dict[int, list[int]]  # active unit id -> its active children

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

    def members(self, unit_id: int) -> list[int]:
        """Every unit (archived ones too) in the subtree of an active unit."""
        return [pk for pk, above in self.ancestors.items() if unit_id in above]


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
        wanted = tuple(values.get(name, getattr(self.filters, name)) for name in self.dimensions)
        found = self.cells.get((unit_id, wanted))
        if found is not None:
            return found
        # An archived unit has no cells of its own: its answers count in its parent's.
        return self.blank(self.tree.active.get(unit_id) or Unit.objects.get(pk=unit_id))


def build(
    tree: Tree,
    filters: Filters,
    threshold: int,
    versions: dict[str, ItemVersion],
    *,
    counts: bool = True,
) -> Table:
    """The table for one period and filters. `versions` names the items to show, keyed as
    the rows' `metrics` will be; `counts` adds responses, verbal feedback, complaints,
    response rates and waiting times."""
    dimensions = tuple(name for name in DIMENSIONS if getattr(filters, name))
    if len(dimensions) > 1:
        # Only one split at a time is proven safe (ADR 0005); the filter form allows no more.
        raise ValueError(f"filter by one of {', '.join(DIMENSIONS)} at a time, not {dimensions}")
    base = replace(
        filters,
        organisation_id=tree.organisation_id,
        touchpoint_id=None,
        channel="",
        language="",
        respondent_type="",
        age_band="",
    )
    targets = _targets(tree, versions)
    measures = {key: measure_of(version) for key, version in versions.items()}

    def blank(unit: Unit) -> UnitRow:
        return UnitRow(
            unit=unit,
            responses=count(0, threshold),
            verbal=count(0, threshold),
            complaints=count(0, threshold),
            metrics={
                key: metric(empty(version), measures[key], threshold, targets.get((unit.pk, key)))
                for key, version in versions.items()
            },
        )

    cells: dict[Key, UnitRow] = {}
    for split in [(), dimensions] if dimensions else [()]:  # unsplit first, then the split
        sums = _sums(tree, base, split, versions)
        respondents = _respondents(tree, base, split) if counts else {}
        part: dict[Key, UnitRow] = {}
        for unit_id, values in sorted({key[:2] for key in [*sums, *respondents]}):
            row = blank(tree.active[unit_id])
            for key in versions:
                if (unit_id, values, key) in sums:
                    row.metrics[key] = metric(
                        sums[(unit_id, values, key)],
                        measures[key],
                        threshold,
                        targets.get((unit_id, key)),
                    )
            for kind in ("responses", "verbal", "complaints"):
                setattr(row, kind, count(respondents.get((unit_id, values, kind), 0), threshold))
            spread = dict(zip(split, values, strict=True))
            part[(unit_id, tuple(spread.get(name) for name in dimensions))] = row
        groups = _tree_groups(tree, part, blank)
        cells.update(part)
        groups += _split_groups(cells, dimensions, split, part)
        pickers = _pickers(list(versions), counts=counts, unsplit=not split)
        for pick in pickers:
            suppress(
                [(pick(parent), [pick(p) for p in parts], may_hide) for parent, parts, may_hide in groups],
                threshold,
            )
    table = Table(tree, filters, dimensions, cells, blank)
    if counts:
        _add_rates(table, threshold)
    return table


def _pickers(keys: list[str], *, counts: bool, unsplit: bool) -> list[Callable[[UnitRow], Figure]]:
    """The kinds of figure a row holds; each is protected on its own."""

    def metric_of(key: str) -> Callable[[UnitRow], Figure]:
        return lambda row: row.metrics[key]

    pickers = [metric_of(key) for key in keys]
    if counts:  # complaints are not split by touchpoint or respondent
        pickers += [
            attrgetter(name) for name in ("responses", "verbal", *(["complaints"] if unsplit else []))
        ]
    return pickers


Group = tuple[Any, list[Any], bool]  # (whole, its parts, whether the whole itself may be hidden)


def suppress(groups: list[Group], threshold: int) -> None:
    """Hide figures until no group leaves a small one to be worked out."""
    changed = True
    while changed:
        changed = False
        for whole, parts, may_hide_whole in groups:
            changed |= protect(whole, parts, threshold, may_hide_whole)


def protect(whole: Figure, parts: list[Figure], threshold: int, may_hide_whole: bool = True) -> bool:
    """Hide one more figure of the group if "whole minus the other parts" would give away
    a small one; say whether anything was hidden.

    The whole is its parts plus a rest no row shows (a unit's own respondents, or those
    without a value for the split). Someone may know a rest that is not small, so:
    - of a shown whole, never exactly one unknown among the hidden parts and a small
      rest: hide the smallest shown part too (or, without one, the whole);
    - a hidden whole must not be the sum of shown parts and a known rest: hide its
      smallest shown part too.
    A zero is hidden only as the last resort: a unit with no answers shows it elsewhere.
    A whole is never hidden for its parts' sake when it comes from a coarser split
    (`may_hide_whole` false): the rest of a split is never shown, so it stays unknown."""
    rest = whole.n - sum(part.n for part in parts)
    small_rest = 0 < rest < threshold
    shown = [part for part in parts if part.shown and part.n > 0]
    zeros = [part for part in parts if not part.hidden and part.n == 0]  # shown as 0 or as no answers
    hidden = [part for part in parts if part.hidden]
    if whole.hidden:
        if not hidden and not small_rest and (shown or zeros):
            hide(min(shown, key=lambda part: part.n) if shown else zeros[0])
            return True
        return False
    if len(hidden) + small_rest == 1:
        if shown:
            hide(min(shown, key=lambda part: part.n))
            return True
        if may_hide_whole and whole.value is not None:
            hide(whole)
            return True
        if zeros:  # the whole stands (a coarser split shows it): hide an empty part with it
            hide(zeros[0])
            return True
    return False


def _tree_groups(tree: Tree, part: dict[Key, UnitRow], blank: Callable[[Unit], UnitRow]) -> list[Group]:
    """Each unit with its children, within one combination of values. A child without
    answers gets a (zero) cell too: hiding it may be what keeps its parent unknown."""
    groups = []
    for values in sorted({values for _unit_id, values in part}):
        for unit_id, kids in tree.children.items():  # parents before their children
            if (unit_id, values) not in part:
                continue
            for kid in kids:
                if (kid, values) not in part:
                    part[(kid, values)] = blank(tree.active[kid])
            groups.append((part[(unit_id, values)], [part[(kid, values)] for kid in kids], True))
    return groups


def _split_groups(
    cells: dict[Key, UnitRow], dimensions: tuple[str, ...], split: tuple[str, ...], part: dict[Key, UnitRow]
) -> list[Group]:
    """Each coarser cell with the parts one more dimension splits it into."""
    groups = []
    for name in split:
        at = dimensions.index(name)
        parts: defaultdict[Key, list[UnitRow]] = defaultdict(list)
        for (unit_id, values), row in part.items():
            parts[(unit_id, (*values[:at], None, *values[at + 1 :]))].append(row)
        groups += [(cells[whole], rows, False) for whole, rows in parts.items()]
    return groups


def _sums(
    tree: Tree, base: Filters, split: tuple[str, ...], versions: dict[str, ItemVersion]
) -> dict[tuple[int, Values, str], Any]:
    """Summed answers per (active unit's subtree, values of `split`, version key)."""
    segmented = any(name in SEGMENT for name in split)
    # Naming the units lets the (organisation, unit, day) index serve the period.
    found = summaries(
        list(tree.ancestors),
        versions.values(),
        base,
        by=("unit_id", *split),
        table=DailySegmentStats if segmented else None,
    )

    key_of = {version.pk: key for key, version in versions.items()}
    sums: dict[tuple[int, Values, str], Any] = {}
    for (unit_id, *values, version_pk), summary in found.items():
        if any(value in NO_VALUE for value in values):
            continue
        for above in tree.ancestors.get(unit_id, []):
            key = (above, tuple(values), key_of[version_pk])
            sums[key] = summary + sums[key] if key in sums else summary
    return sums


def _respondents(tree: Tree, base: Filters, split: tuple[str, ...]) -> dict[tuple[int, Values, str], int]:
    """Survey responses, verbal feedback and (unsplit) complaints per active unit's subtree."""
    table = DailyResponseCount if any(name in SEGMENT for name in split) else DailyUnitCount
    fields = list(dict.fromkeys(["unit_id", "channel", *split]))
    found: defaultdict[tuple[int, Values, str], int] = defaultdict(int)
    rows = table.objects.filter(base.q(), unit_id__in=list(tree.ancestors))
    for row in rows.values(*fields).annotate(count_=Sum("count")):
        values = tuple(row[name] for name in split)
        if any(value in NO_VALUE for value in values):
            continue
        kind = "verbal" if row["channel"] == Channel.VERBAL else "responses"
        for above in tree.ancestors.get(row["unit_id"], []):
            found[(above, values, kind)] += row["count_"]
    if not split:
        complaints = (
            Complaint.objects.filter(
                unit__organisation_id=tree.organisation_id, received_on__range=(base.start, base.end)
            )
            .values("unit_id")
            .annotate(count_=Count("pk"))
        )
        for row in complaints:
            for above in tree.ancestors.get(row["unit_id"], []):
                found[(above, (), "complaints")] += row["count_"]
    return dict(found)


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


def _targets(tree: Tree, versions: dict[str, ItemVersion]) -> dict[tuple[int, str], Target]:
    """Each unit's target for each item: its own, its nearest ancestor's, or the
    organisation's default."""
    keys: defaultdict[int, list[str]] = defaultdict(list)
    for key, version in versions.items():
        keys[version.item_id].append(key)
    if not tree.active or not keys:
        return {}
    by_key = {
        (target.unit_id, key): target
        for target in Target.objects.filter(organisation_id=tree.organisation_id, item_id__in=keys)
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
