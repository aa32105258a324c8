"""What tables read from the aggregates: each unit's own sums day by day, from the start
of the year of the periods asked for, so that both the figures of any of those periods and
their blocks (`blocks.py`) follow from one read. Views that build several tables (a period
and the one before, a trend's points) read once for all of them.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Sum

from kuulo.feedback.models import Channel, Complaint, ItemVersion

from .blocks import Group
from .calendar import YEAR, node
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
}
STAT_NAMES = list(STATS)

Values = tuple[Any, ...]  # one per split dimension; () unsplit
Sums = list[int]  # n, total, total_sq, counts per scale point; or a count alone


@dataclass
class History:
    """Own sums of every unit (active or archived) of an organisation per day, from the
    first of `start`'s year (`first_day`) to `end`, and split by `dimensions` from `start`."""

    organisation_id: int
    dimensions: tuple[str, ...]
    keys: tuple[str, ...]  # the item keys read, then the counts (when read)
    start: date
    end: date
    days: dict[tuple[int, Values, str], dict[date, Sums]] = field(default_factory=dict)
    groups: dict[tuple[int, str, int, date], Group | None] = field(default_factory=dict)

    @property
    def first_day(self) -> date:
        return node(YEAR, self.start).start

    def serves(self, start: date, end: date, dimensions: tuple[str, ...], keys: tuple[str, ...]) -> bool:
        return (
            self.dimensions == dimensions
            and set(keys) <= set(self.keys)
            and (start > end or (self.start <= start and end <= self.end))
        )

    def sums(self, start: date, end: date) -> dict[tuple[int, Values, str], Sums]:
        """Each unit's own sums over the period, unsplit and by the split's values."""
        found = {}
        for key, days in self.days.items():
            total: Sums | None = None
            for day, sums in days.items():
                if start <= day <= end:
                    total = list(sums) if total is None else [a + b for a, b in zip(total, sums, strict=True)]
            if total is not None:
                found[key] = total
        return found

    def group(self, unit_id: int, key: str, threshold: int, today: date) -> Group | None:
        """The unit's own respondents for one kind of figure, or None if it has none here."""
        if (unit_id, key, threshold, today) not in self.groups:
            days = self.days.get((unit_id, (), key))
            by_day = {day: sums[0] for day, sums in days.items()} if days else {}
            self.groups[(unit_id, key, threshold, today)] = (
                Group(by_day, threshold, today) if by_day else None
            )
        return self.groups[(unit_id, key, threshold, today)]


def read(
    organisation_id: int,
    unit_ids: list[int],
    dimensions: tuple[str, ...],
    versions: dict[str, ItemVersion],
    *,
    counts: bool,
    start: date,
    end: date,
) -> History:
    """Read what tables of periods from `start` to `end` (ending yesterday at the latest)
    need: one query per aggregate table."""
    keys = (*versions, *(COUNTS if counts else ()))
    history = History(organisation_id, dimensions, keys, start, end)
    if start > end:
        return history
    scope = {"organisation_id": organisation_id, "unit_id__in": unit_ids}
    key_of = {version.pk: key for key, version in versions.items()}
    if key_of:
        rows = (
            DailyItemStats.objects.filter(
                **scope, item_version_id__in=list(key_of), day__range=(history.first_day, end)
            )
            .values("unit_id", "item_version_id", "day")
            .annotate(**STATS)
        )
        for row in rows:
            history_add(history, row["unit_id"], (), key_of[row["item_version_id"]], row["day"], _stats(row))
    if dimensions and key_of:
        name = dimensions[0]
        table: Any = DailySegmentStats if name in SEGMENT else DailyItemStats
        rows = (
            table.objects.filter(**scope, item_version_id__in=list(key_of), day__range=(start, end))
            .values("unit_id", name, "item_version_id", "day")
            .annotate(**STATS)
        )
        for row in rows:
            if row[name] not in NO_VALUE:
                key = key_of[row["item_version_id"]]
                history_add(history, row["unit_id"], (row[name],), key, row["day"], _stats(row))
    if counts:
        _read_counts(history, scope)
    return history


def _read_counts(history: History, scope: dict[str, Any]) -> None:
    """Responses and verbal feedback (unsplit and split), and complaints (unsplit)."""
    rows = (
        DailyUnitCount.objects.filter(**scope, day__range=(history.first_day, history.end))
        .values("unit_id", "channel", "day")
        .annotate(count_=Sum("count"))
    )
    for row in rows:
        history_add(history, row["unit_id"], (), _kind(row["channel"]), row["day"], [row["count_"]])
    if history.dimensions:
        name = history.dimensions[0]
        table: Any = DailyResponseCount if name in SEGMENT else DailyUnitCount
        fields = list(dict.fromkeys(["unit_id", "channel", name, "day"]))
        rows = (
            table.objects.filter(**scope, day__range=(history.start, history.end))
            .values(*fields)
            .annotate(count_=Sum("count"))
        )
        for row in rows:
            if row[name] not in NO_VALUE:
                history_add(
                    history, row["unit_id"], (row[name],), _kind(row["channel"]), row["day"], [row["count_"]]
                )
    complaints: Any = (
        Complaint.objects.filter(
            unit__organisation_id=history.organisation_id, received_on__range=(history.first_day, history.end)
        )
        .values("unit_id", "received_on")
        .annotate(count_=Count("pk"))
    )
    for complaint in complaints:
        history_add(
            history, complaint["unit_id"], (), "complaints", complaint["received_on"], [complaint["count_"]]
        )


def history_add(history: History, unit_id: int, values: Values, key: str, when: date, sums: Sums) -> None:
    """Add one day's sums."""
    days = history.days.setdefault((unit_id, values, key), {})
    before = days.get(when)
    days[when] = sums if before is None else [a + b for a, b in zip(before, sums, strict=True)]


def _stats(row: Any) -> Sums:
    return [row[name] or 0 for name in STAT_NAMES]


def _kind(channel: str) -> str:
    return "verbal" if channel == Channel.VERBAL else "responses"
