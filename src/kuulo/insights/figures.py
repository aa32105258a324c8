"""Figures: what one dashboard cell shows, and how it is computed from summed answers.

`Filters` say what is asked; `metric` and `count` turn sums into a `Figure`, hidden when
it rests on fewer respondents than the threshold. Which further figures must be hidden,
so that no small group can be worked out from shown ones of any periods, is decided in
`table.py` (ADR 0005).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kuulo.core.numbers import rounded
from kuulo.feedback.models import (
    HEADLINE_KINDS,
    NUMBER_BUCKETS,
    Item,
    ItemKind,
    ItemVersion,
    Target,
    TargetMeasure,
)
from kuulo.organisations.models import Unit

from .blocks import WHOLE_MONTHS, WHOLE_QUARTERS, WHOLE_YEARS
from .models import (
    SEGMENT,
    DailyItemStats,
    DailyResponseCount,
    DailySegmentStats,
    DailyUnitCount,
)
from .stats import Summary, change_p_value

# The headline measures every organisation's overview shows, and how each is summed up:
# each is every item of that kind (an NPS item of any set is NPS), on its fixed scale.
HEADLINE: dict[str, str] = {"csat": TargetMeasure.MEAN, "nps": TargetMeasure.NPS, "ces": TargetMeasure.MEAN}
assert set(HEADLINE) == set(HEADLINE_KINDS)
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
    # What changes are measured from: "" the equally long period just before, "year" the
    # same days a year earlier.
    compare: str = ""
    # Set by the readers below from the units asked about: every aggregate index starts with it.
    organisation_id: int | None = None

    def completed(self, today: date) -> "Filters":
        """The same filters up to yesterday at the latest: figures are of complete days
        (empty when the period starts today or later)."""
        yesterday = today - timedelta(days=1)
        if self.end <= yesterday:
            return self
        return replace(self, end=max(yesterday, self.start - timedelta(days=1)))

    @property
    def segmented(self) -> bool:
        return bool(self.channel or self.language or self.respondent_type or self.age_band)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Filters":
        """The same filters over the period changes are measured from: the equally long
        period just before, or (`compare="year"`) the same days a year earlier."""
        if self.compare == "year":
            return replace(self, start=year_before(self.start), end=year_before(self.end))
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


def year_before(day: date) -> date:
    """The same day a year earlier (29 February: the 28th)."""
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)


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
    # Hidden because the period cuts its units' blocks: "months", "quarters" or "years"
    # would show it (ADR 0005). Empty when hidden for too few respondents.
    shown_for: str = ""

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


@dataclass(frozen=True)
class Measure:
    """What one kind of figure sums: the answers to one or more item versions on one scale.
    A question's results are one version (`Measure.of`); a headline measure is every
    version of every item of its kind, whose scale is fixed (ADR 0010)."""

    version: ItemVersion  # stands for the measure: its scale, its wording, its item's targets
    version_ids: tuple[int, ...]

    def __post_init__(self) -> None:
        assert self.version.pk in self.version_ids

    @classmethod
    def of(cls, version: "ItemVersion | Measure") -> "Measure":
        return version if isinstance(version, Measure) else cls(version, (version.pk,))

    @property
    def key(self) -> str:
        """What a history calls the measure's answers."""
        if self.version_ids == (self.version.pk,):
            return f"item {self.version.pk}"
        return "items " + "+".join(str(pk) for pk in sorted(self.version_ids))

    @property
    def part_keys(self) -> tuple[str, ...]:
        """What a history calls each of its versions' own answers: a measure of several is
        shown only where each of them could be (ADR 0010), or the measure minus one
        version's own figure would give the others' small group."""
        if len(self.version_ids) == 1:
            return ()
        return tuple(f"item {pk}" for pk in sorted(self.version_ids))


def headline_measures(organisation_id: int) -> dict[str, Measure]:
    """The headline measures: for each, every version of every item of its kind in the
    standard catalogue and the organisation's own, stood for by the standard item's newest
    version. A survey asks each at most once, so a respondent is counted once."""
    items = Item.objects.filter(Q(organisation=None) | Q(organisation_id=organisation_id), kind__in=HEADLINE)
    by_kind: dict[str, list[int]] = {}
    for version_id, kind in ItemVersion.objects.filter(item__in=items).values_list("pk", "item__kind"):
        by_kind.setdefault(kind, []).append(version_id)
    newest = ItemVersion.objects.latest_of(Item.objects.filter(organisation=None, code__in=HEADLINE))
    found = {}
    for version in newest.select_related("item"):
        found[version.item.code] = Measure(version, tuple(sorted(by_kind[version.item.kind])))
    return {code: found[code] for code in HEADLINE if code in found}


def shape(version: ItemVersion) -> tuple[int, int, float]:
    """How a version's sums read: the first and last of its counts (scale points, or a
    number item's ranges 0–10) and what one of its total is worth."""
    if version.item.kind == ItemKind.NUMBER:
        return 0, NUMBER_BUCKETS - 1, 10.0**-version.decimals
    return version.scale_min or 0, version.scale_max or 0, 1.0


def empty(version: ItemVersion) -> Summary:
    return Summary.empty(*shape(version))


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
    figure.change = rounded(figure.value - before.value, DECIMALS[figure.kind]) + 0.0  # + 0.0: no "-0"
    figure.p_value = change_p_value(before.summary, figure.summary, figure.measure)
    figure.significant = figure.p_value is not None and figure.p_value < SIGNIFICANCE


def count(respondents: int, threshold: int) -> Figure:
    small = 0 < respondents < threshold
    return Figure(n=respondents, hidden=small, value=None if small else float(respondents))


SHOWN_FOR = {WHOLE_MONTHS: "months", WHOLE_QUARTERS: "quarters", WHOLE_YEARS: "years"}


def why_hidden(figure: Figure, threshold: int) -> tuple[str, str]:
    """How a hidden figure is written in a narrow cell, and the reason in words (never the
    count behind it)."""
    if figure.shown_for == "months":
        return _("whole months"), _("Shown for whole months only: too few answers on some days.")
    if figure.shown_for == "quarters":
        return _("whole quarters"), _("Shown for whole quarters only: too few answers in some months.")
    if figure.shown_for == "years":
        return _("whole years"), _("Shown for whole years only: too few answers in some quarters.")
    return f"<\u00a0{threshold}", _("Hidden: fewer than %(count)s respondents.") % {"count": threshold}


def hide(figure: Figure, verdict: int = 0) -> None:
    """Hide a figure and everything that would tell it (its sums, its side of the target);
    `verdict` (blocks.py) says why."""
    figure.hidden = True
    figure.shown_for = SHOWN_FOR.get(verdict, "")
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
