"""Figures: what one dashboard cell shows, and how it is computed from summed answers.

`Filters` say what is asked; `summaries` and `response_counts` read the aggregate tables;
`metric` and `count` turn sums into a `Figure`, hidden when it rests on fewer respondents
than the threshold. Which further figures must be hidden so that no small group can be
worked out from the shown ones is decided in `table.py`.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from kuulo.feedback.models import Channel, Item, ItemVersion, Target, TargetMeasure
from kuulo.organisations.models import Unit

from .models import (
    SCALE_POINTS,
    SEGMENT,
    DailyItemStats,
    DailyResponseCount,
    DailySegmentStats,
    DailyUnitCount,
)
from .stats import Summary, change_p_value

# The standard items every organisation's overview shows, and how each is summed up.
HEADLINE: dict[str, str] = {"csat": TargetMeasure.MEAN, "nps": TargetMeasure.NPS, "ces": TargetMeasure.MEAN}
SIGNIFICANCE = 0.05
# Decimals each kind of figure is shown with (a change too small to show is no change).
DECIMALS = {"count": 0, "mean": 1, "nps": 0, "percent": 0, "minutes": 1}


@dataclass(frozen=True)
class Filters:
    """What a dashboard shows: a period (both days included) and optional narrowing."""

    start: date
    end: date
    touchpoint_id: int | None = None
    channel: str = ""
    language: str = ""
    respondent_type: str = ""
    age_band: str = ""
    # Set by the readers below from the units asked about: every aggregate index starts with it.
    organisation_id: int | None = None

    @property
    def segmented(self) -> bool:
        return bool(self.channel or self.language or self.respondent_type or self.age_band)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Filters":
        """The same filters over the equally long period just before."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    @property
    def stats_table(self) -> Any:
        """Answer sums: split by segment only when a segment is asked for (many more rows)."""
        return DailySegmentStats if self.segmented else DailyItemStats

    @property
    def counts_table(self) -> Any:
        """Response counts, likewise."""
        return DailyResponseCount if self.segmented else DailyUnitCount

    def q(self) -> Q:
        """Rows of an aggregate table inside these filters."""
        q = Q(day__range=(self.start, self.end))
        if self.organisation_id:
            q &= Q(organisation_id=self.organisation_id)
        if self.touchpoint_id:
            q &= Q(touchpoint_id=self.touchpoint_id)
        for name in SEGMENT:
            if value := getattr(self, name):
                q &= Q(**{name: value})
        return q

    def responses_q(self, prefix: str = "") -> Q:
        """Raw responses inside these filters (`prefix` "response__" for answers): a time
        range from local midnights, so that the (unit, responded_at) index serves it."""
        q = Q(
            **{
                f"{prefix}responded_at__gte": start_of(self.start),
                f"{prefix}responded_at__lt": start_of(self.end + timedelta(days=1)),
            }
        )
        if self.touchpoint_id:
            q &= Q(**{f"{prefix}touchpoint_id": self.touchpoint_id})
        for name in SEGMENT:
            if value := getattr(self, name):
                q &= Q(**{f"{prefix}{name}": value})
        return q


@dataclass
class Figure:
    """One cell of a dashboard: a value, or the reason there is none."""

    value: float | None = None
    kind: str = "count"  # how it is written: count, mean, nps, percent or minutes
    n: int = 0
    hidden: bool = False  # built from fewer respondents than the threshold
    interval: tuple[float, float] | None = None
    small: bool = False  # shown, but resting on few answers
    change: float | None = None  # against the previous period
    significant: bool = False
    target: float | None = None
    meets_target: bool | None = None
    summary: Summary | None = None  # what a shown metric was computed from (for tests of change)
    p_value: float | None = None  # of the change
    measure: str = ""

    @property
    def shown(self) -> bool:
        return self.value is not None and not self.hidden


@dataclass
class UnitRow:
    unit: Unit
    responses: Figure = field(default_factory=Figure)
    response_rate: Figure = field(default_factory=Figure)
    metrics: dict[str, Figure] = field(default_factory=dict)
    verbal: Figure = field(default_factory=Figure)
    complaints: Figure = field(default_factory=Figure)
    waiting_minutes: Figure = field(default_factory=Figure)


def headline_versions() -> dict[str, ItemVersion]:
    """The newest version of each headline item: results of versions are never mixed."""
    versions = ItemVersion.objects.latest_of(Item.objects.filter(organisation=None, code__in=HEADLINE))
    by_code = {version.item.code: version for version in versions.select_related("item")}
    return {code: by_code[code] for code in HEADLINE if code in by_code}


def summaries(
    unit_ids: Iterable[int] | None,
    versions: Iterable[ItemVersion],
    filters: Filters,
    by: tuple[str, ...] = ("unit_id",),
    table: Any = None,
) -> dict[Any, Summary]:
    """Summed answers from the aggregates, per (*values of `by`, item version id): of these
    units, or (None) of every unit in the filters' organisation; from `table`, or the one
    the filters need."""
    by_id = {version.pk: version for version in versions}
    rows = (table or filters.stats_table).objects.filter(filters.q(), item_version_id__in=list(by_id))
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=list(unit_ids))
    rows = rows.values(*by, "item_version_id").annotate(
        n_=Sum("n"),
        total_=Sum("total"),
        total_sq_=Sum("total_sq"),
        **{f"c{i}_": Sum(f"c{i}") for i in range(SCALE_POINTS)},
    )
    found = {}
    for row in rows:
        version = by_id[row["item_version_id"]]
        low, high = version.scale_min or 0, version.scale_max or 0
        found[(*(row[name] for name in by), version.pk)] = Summary(
            row["n_"],
            row["total_"],
            row["total_sq_"],
            tuple(row[f"c{i}_"] for i in range(high - low + 1)),
            low,
            high,
        )
    return found


def response_counts(unit_ids: Iterable[int], filters: Filters) -> dict[int, dict[str, int]]:
    """Survey responses and verbal feedback per unit."""
    rows = (
        filters.counts_table.objects.filter(filters.q(), unit_id__in=list(unit_ids))
        .values("unit_id", "channel")
        .annotate(count_=Sum("count"))
    )
    counts: defaultdict[int, dict[str, int]] = defaultdict(lambda: {"responses": 0, "verbal": 0})
    for row in rows:
        kind = "verbal" if row["channel"] == Channel.VERBAL else "responses"
        counts[row["unit_id"]][kind] += row["count_"]
    return counts


def empty(version: ItemVersion) -> Summary:
    return Summary.empty(version.scale_min or 0, version.scale_max or 0)


def added(parts: Iterable[Summary], version: ItemVersion) -> Summary:
    """The parts together (no parts: no answers, on the version's scale)."""
    total = empty(version)
    for part in parts:
        total = total + part
    return total


def measure_value(summary: Summary, measure: str) -> tuple[float | None, tuple[float, float] | None]:
    if measure == TargetMeasure.NPS:
        return summary.nps(), summary.nps_interval()
    if measure == TargetMeasure.TOP_BOX:
        share, interval = summary.top_box(), summary.top_box_interval()
        return (
            None if share is None else 100 * share,
            None if interval is None else (100 * interval[0], 100 * interval[1]),
        )
    return summary.mean(), summary.mean_interval()


def metric(current: Summary, measure: str, threshold: int, target: Target | None) -> Figure:
    if target is not None:
        measure = target.measure
    kind = {str(TargetMeasure.NPS): "nps", str(TargetMeasure.TOP_BOX): "percent"}.get(measure, "mean")
    if current.n < threshold:
        return Figure(kind=kind, n=current.n, hidden=current.n > 0)
    value, interval = measure_value(current, measure)
    figure = Figure(value=value, kind=kind, n=current.n, interval=interval, small=current.small)
    figure.summary, figure.measure = current, measure
    if target is not None and value is not None:
        figure.target = float(target.value)
        figure.meets_target = value >= float(target.value)
    return figure


def set_change(figure: Figure, before: Figure) -> None:
    """The change from the previous period, if both figures may be shown, and whether it
    is more than chance would explain."""
    if not (figure.shown and before.shown and figure.summary and before.summary):
        return
    assert figure.value is not None and before.value is not None
    figure.change = round(figure.value - before.value, DECIMALS[figure.kind]) + 0.0  # + 0.0: no "-0"
    figure.p_value = change_p_value(before.summary, figure.summary, figure.measure)
    figure.significant = figure.p_value is not None and figure.p_value < SIGNIFICANCE


def count(respondents: int, threshold: int) -> Figure:
    small = 0 < respondents < threshold
    return Figure(n=respondents, hidden=small, value=None if small else float(respondents))


def hide(figure: Figure) -> None:
    """Hide a figure and everything that would tell it (its sums, its side of the target)."""
    figure.hidden = True
    figure.value = None
    figure.interval = None
    figure.change = None
    figure.summary = None
    figure.meets_target = None
    figure.p_value = None
    figure.significant = False


def measure_of(version: ItemVersion) -> str:
    kind = version.item.kind
    if kind == "nps":
        return TargetMeasure.NPS
    if kind == "yes_no":
        return TargetMeasure.TOP_BOX
    return TargetMeasure.MEAN


def start_of(day: date) -> datetime:
    """Midnight at the start of a local day, so that a time range can use the index."""
    return timezone.make_aware(datetime.combine(day, time()))
