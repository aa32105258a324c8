"""What tables read from the aggregates, once for all the periods of a view (a period and
the one before, a trend's points, the unit page's windows):

- each unit's own sums over each stretch of days between the periods' first and last
  days (every period is a run of whole stretches);
- what the blocks (`blocks.py`) depend on: the days on which a unit had 1 to
  threshold − 1 respondents, from the start of the first period's year, and every day
  of such a unit from its first such day on. A unit without one has every day as a block
  of its own, and nothing more is read for it;
- with a split, the days on which a value (or the respondents without one) had 1 to
  threshold − 1, and every day of the units above.

So a view reads a few rows per unit, not every unit's every day.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When

from kuulo.feedback.models import Channel, Complaint

from .blocks import Group
from .calendar import YEAR, node
from .figures import Measure
from .models import (
    SCALE_POINTS,
    SEGMENT,
    DailyItemStats,
    DailyResponseCount,
    DailySegmentStats,
    DailyUnitCount,
)

NO_VALUE = (0, "", None)  # no touchpoint, not asked: the rest of a cell, never a part of its own
COUNTS = ("responses", "verbal", "complaints")
STATS = {
    "n_": Sum("n"),
    "total_": Sum("total"),
    "total_sq_": Sum("total_sq"),
    **{f"c{i}_": Sum(f"c{i}") for i in range(SCALE_POINTS)},
    "cant_say_": Sum("cant_say"),
}
# Responses and verbal feedback are counted by channel: one kind or the other.
KIND = Case(When(channel=Channel.VERBAL, then=Value("verbal")), default=Value("responses"))

Values = tuple[Any, ...]  # one per split dimension; () unsplit
Sums = list[int]  # n, total, total_sq, counts per scale point, can't say; or a count alone


@dataclass
class History:
    """What `read` found for periods made of `stretches` (first and last days)."""

    organisation_id: int
    dimensions: tuple[str, ...]
    keys: tuple[str, ...]  # the measures read (`Measure.key`), then the counts (when read)
    threshold: int
    stretches: list[tuple[date, date]]
    sums: dict[tuple[int, Values, str], dict[int, Sums]] = field(default_factory=dict)  # by stretch
    days: dict[tuple[int, str], dict[date, int]] = field(default_factory=dict)
    split: dict[tuple[int, str], dict[date, dict[Any, int]]] = field(default_factory=dict)  # None: no value
    groups: dict[tuple[int, str, date], Group] = field(default_factory=dict)
    tree: Any = None  # the table.Tree it was read for (set by `table.prepare`)
    answered: Any = None  # a unit page's reading: the item versions answered in its period

    def serves(
        self, start: date, end: date, dimensions: tuple[str, ...], keys: tuple[str, ...], threshold: int
    ) -> bool:
        """Whether this was read for such periods: the period is whole stretches."""
        return (
            (self.threshold, self.dimensions) == (threshold, dimensions)
            and set(keys) <= set(self.keys)
            and (
                start > end
                or (
                    start in {first for first, _ in self.stretches}
                    and end in {last for _, last in self.stretches}
                )
            )
        )

    def period_sums(self, start: date, end: date) -> dict[tuple[int, Values, str], Sums]:
        """Each unit's own sums over the period, unsplit and by the split's values."""
        inside = {i for i, (first, last) in enumerate(self.stretches) if start <= first and last <= end}
        found = {}
        for key, by_stretch in self.sums.items():
            total: Sums | None = None
            for i, sums in by_stretch.items():
                if i in inside:
                    total = list(sums) if total is None else [a + b for a, b in zip(total, sums, strict=True)]
            if total is not None:
                found[key] = total
        return found

    def group(self, unit_id: int, key: str, today: date) -> Group:
        """The unit's own respondents for one kind of figure, as far as its blocks need."""
        if (unit_id, key, today) not in self.groups:
            self.groups[(unit_id, key, today)] = Group(
                self.days.get((unit_id, key), {}), self.threshold, today
            )
        return self.groups[(unit_id, key, today)]


def stretches(periods: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """The runs of days between every first and last day of the periods."""
    cuts = sorted({first for first, _ in periods} | {last + timedelta(days=1) for _, last in periods})
    return [(cuts[i], cuts[i + 1] - timedelta(days=1)) for i in range(len(cuts) - 1)]


def read(
    organisation_id: int,
    unit_ids: list[int],
    dimensions: tuple[str, ...],
    measures: list[Measure],
    *,
    counts: bool,
    periods: list[tuple[date, date]],
    threshold: int,
) -> History:
    """Read what tables of these periods (each ending yesterday at the latest) need."""
    # An item version may count in several measures (its own, and a headline measure).
    key_of: dict[Any, list[str]] = {}
    for measure in measures:
        for version_id in measure.version_ids:
            key_of.setdefault(version_id, []).append(measure.key)
            if measure.part_keys and f"item {version_id}" not in key_of[version_id]:
                key_of[version_id].append(f"item {version_id}")  # its blocks decide too
    every_key = [key for measure in measures for key in (measure.key, *measure.part_keys)]
    keys = (*dict.fromkeys(every_key), *(COUNTS if counts else ()))
    periods = [(first, last) for first, last in periods if first <= last]
    history = History(organisation_id, dimensions, keys, threshold, stretches(periods))
    if not periods:
        return history
    scope = Q(organisation_id=organisation_id, unit_id__in=unit_ids)
    if key_of:
        items = DailyItemStats.objects.filter(scope, item_version_id__in=list(key_of))
        _read_sums(history, items, "item_version_id", key_of, STATS)
        _read_days(history, items, "item_version_id", key_of, "n")
        if dimensions:
            name = dimensions[0]
            table: Any = DailySegmentStats if name in SEGMENT else DailyItemStats
            parts = table.objects.filter(scope, item_version_id__in=list(key_of))
            _read_sums(history, parts, "item_version_id", key_of, STATS, name)
            _read_split(history, parts, "item_version_id", key_of, "n", name)
    if counts:
        units = DailyUnitCount.objects.filter(scope).annotate(kind=KIND)
        _read_sums(history, units, "kind", None, {"n_": Sum("count")})
        _read_days(history, units, "kind", None, "count")
        if dimensions:
            name = dimensions[0]
            table = DailyResponseCount if name in SEGMENT else DailyUnitCount
            parts = table.objects.filter(scope).annotate(kind=KIND)
            _read_sums(history, parts, "kind", None, {"n_": Sum("count")}, name)
            _read_split(history, parts, "kind", None, "count", name)
        _read_complaints(history)
    return history


def _stretch(history: History) -> Case:
    """Which stretch a day falls in."""
    return Case(
        *(When(day__range=span, then=Value(i)) for i, span in enumerate(history.stretches)),
        output_field=IntegerField(),
    )


def _read_sums(
    history: History,
    rows: Any,
    kind: str,
    key_of: dict[Any, list[str]] | None,
    sums: dict[str, Any],
    name: str = "",
) -> None:
    """Each unit's own sums per stretch (and value of the split)."""
    split = [name] if name else []
    first, last = history.stretches[0][0], history.stretches[-1][1]
    found = (
        rows.filter(day__range=(first, last))
        .annotate(stretch=_stretch(history))
        .values("unit_id", *split, kind, "stretch")
        .annotate(**sums)
    )
    for row in found:
        if row["stretch"] is None or (name and row[name] in NO_VALUE):
            continue
        found_sums = [row[column] or 0 for column in sums]
        for key in key_of[row[kind]] if key_of else [row[kind]]:
            by_stretch = history.sums.setdefault((row["unit_id"], (row[name],) if name else (), key), {})
            before = by_stretch.get(row["stretch"])
            by_stretch[row["stretch"]] = (
                found_sums if before is None else [a + b for a, b in zip(before, found_sums, strict=True)]
            )


def _read_days(
    history: History, rows: Any, kind: str, key_of: dict[Any, list[str]] | None, column: str
) -> None:
    """The days, from the start of the first period's year, of the units that had a small
    day in that time: from their first small day on."""
    first, last = node(YEAR, history.stretches[0][0]).start, history.stretches[-1][1]
    daily = (
        rows.filter(day__range=(first, last)).values("unit_id", kind, "day").annotate(respondents=Sum(column))
    )
    since: dict[int, date] = {}
    # A measure of several item versions is small on a day only if one of its versions is.
    for row in daily.filter(respondents__gte=1, respondents__lt=history.threshold):
        since[row["unit_id"]] = min(row["day"], since.get(row["unit_id"], row["day"]))
    if not since:
        return
    for row in daily.filter(unit_id__in=list(since), day__gte=min(since.values())):
        if row["day"] >= since[row["unit_id"]]:
            for key in key_of[row[kind]] if key_of else [row[kind]]:
                days = history.days.setdefault((row["unit_id"], key), {})
                days[row["day"]] = days.get(row["day"], 0) + row["respondents"]


def _read_split(
    history: History, rows: Any, kind: str, key_of: dict[Any, list[str]] | None, column: str, name: str
) -> None:
    """Respondents per value of the split (None: without a value) on the days in the
    periods that a split block needs (`blocks.hidden_values`): the small values and the
    rest of each day, and every value of every day of the units with small days (whose
    blocks may be longer than a day). A measure of several item versions (a headline) may
    see only the small version of a value on a day: it then counts the value as smaller
    than it is and hides more, never less."""
    first, last = history.stretches[0][0], history.stretches[-1][1]
    daily = (
        rows.filter(day__range=(first, last))
        .values("unit_id", name, kind, "day")
        .annotate(respondents=Sum(column))
    )
    kinds = {key for keys in key_of.values() for key in keys} if key_of else set(COUNTS)
    whole = [unit_id for unit_id, key in history.days if key in kinds]
    rest = Q(**{name: 0 if name == "touchpoint_id" else ""})  # the respondents without a value
    small = Q(respondents__gte=1, respondents__lt=history.threshold) | rest
    for row in daily.filter(small).exclude(unit_id__in=whole):
        _add_split(history, row, kind, key_of, name)
    if whole:
        for row in daily.filter(unit_id__in=whole):
            _add_split(history, row, kind, key_of, name)


def _add_split(
    history: History, row: dict[str, Any], kind: str, key_of: dict[Any, list[str]] | None, name: str
) -> None:
    """Add one row: a unit's respondents with one value on one day."""
    value = None if row[name] in NO_VALUE else row[name]
    for key in key_of[row[kind]] if key_of else [row[kind]]:
        by_day = history.split.setdefault((row["unit_id"], key), {}).setdefault(row["day"], {})
        by_day[value] = by_day.get(value, 0) + row["respondents"]


def _read_complaints(history: History) -> None:
    """Complaints are few: every one from the start of the first period's year."""
    first, last = node(YEAR, history.stretches[0][0]).start, history.stretches[-1][1]
    found: Any = (
        Complaint.objects.filter(
            unit__organisation_id=history.organisation_id, received_on__range=(first, last)
        )
        .values("unit_id", "received_on")
        .annotate(count_=Count("pk"))
    )
    by_unit: defaultdict[int, dict[date, int]] = defaultdict(dict)
    for row in found:
        by_unit[row["unit_id"]][row["received_on"]] = row["count_"]
        for i, (start, end) in enumerate(history.stretches):
            if start <= row["received_on"] <= end:
                by_stretch = history.sums.setdefault((row["unit_id"], (), "complaints"), {})
                by_stretch[i] = [by_stretch.get(i, [0])[0] + row["count_"]]
    for unit_id, days in by_unit.items():
        history.days[(unit_id, "complaints")] = days
