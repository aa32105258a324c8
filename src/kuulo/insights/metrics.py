"""Reading the aggregates for dashboards.

Every figure is read from the aggregate tables (never from raw responses), for the units
the caller may see, filtered by period, touchpoint, channel and segment, and rolled up
the unit tree (a unit's row covers its whole subtree). Every figure built from fewer
respondents than the organisation's reporting threshold is hidden, and so is one more
figure wherever a hidden one could be worked out as "parent minus the other children".
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone

from kuulo.feedback.models import (
    Answer,
    Channel,
    Complaint,
    Item,
    ItemVersion,
    Response,
    ServiceVolume,
    Target,
    TargetMeasure,
)
from kuulo.improvements.models import Action
from kuulo.organisations.models import Unit

from .models import (
    SCALE_POINTS,
    SEGMENT,
    DailyItemStats,
    DailyResponseCount,
    DailySegmentStats,
    DailyUnitCount,
)
from .stats import Summary, change_p_value, significant_changes

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
                f"{prefix}responded_at__gte": _start_of(self.start),
                f"{prefix}responded_at__lt": _start_of(self.end + timedelta(days=1)),
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
    unit_ids: Iterable[int],
    versions: Iterable[ItemVersion],
    filters: Filters,
    by: tuple[str, ...] = ("unit_id",),
) -> dict[Any, Summary]:
    """Summed answers from the aggregates, per (*values of `by`, item version id)."""
    by_id = {version.pk: version for version in versions}
    rows = (
        filters.stats_table.objects.filter(
            filters.q(), unit_id__in=list(unit_ids), item_version_id__in=list(by_id)
        )
        .values(*by, "item_version_id")
        .annotate(
            n_=Sum("n"),
            total_=Sum("total"),
            total_sq_=Sum("total_sq"),
            **{f"c{i}_": Sum(f"c{i}") for i in range(SCALE_POINTS)},
        )
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


def unit_rows(units: list[Unit], filters: Filters, threshold: int) -> list[UnitRow]:
    """The organisation overview: one row per unit (its subtree), every figure checked
    against the threshold, changes tested against the previous period."""
    # Figures of a unit cover its subtree: read every unit below the shown ones.
    subtree = list(Unit.objects.subtree_of(*units)) if units else []
    members = {unit.pk: [u.pk for u in subtree if u.path.startswith(unit.path)] for unit in units}
    if units:
        filters = replace(filters, organisation_id=units[0].organisation_id)
    versions = headline_versions()
    targets = _targets(units, versions)
    rows = _period_rows(units, members, versions, targets, filters, threshold)
    # The previous period is suppressed the same way before any change is worked out:
    # a change reveals the earlier figure it was measured from.
    earlier = _period_rows(units, members, versions, targets, filters.previous(), threshold)
    for row, before in zip(rows, earlier, strict=True):
        for code, figure in row.metrics.items():
            _set_change(figure, before.metrics[code])
    # Many cells are tested at once: mark only the changes that survive the correction.
    figures = {f"{index}:{code}": f for index, row in enumerate(rows) for code, f in row.metrics.items()}
    kept = significant_changes({key: figure.p_value for key, figure in figures.items()})
    for key, figure in figures.items():
        figure.significant = key in kept
    return rows


def _period_rows(
    units: list[Unit],
    members_of: dict[int, list[int]],
    versions: dict[str, ItemVersion],
    targets: dict[tuple[int, str], Target],
    filters: Filters,
    threshold: int,
) -> list[UnitRow]:
    all_ids = sorted({member for members in members_of.values() for member in members})
    found = summaries(all_ids, versions.values(), filters)
    counts = response_counts(all_ids, filters)
    complaints = _complaints(all_ids, filters)
    volumes = _volumes(all_ids, filters)
    rows = []
    for unit in units:
        members = members_of[unit.pk]
        row = UnitRow(unit=unit)
        row.responses = _count(sum(counts[m]["responses"] for m in members if m in counts), threshold)
        row.verbal = _count(sum(counts[m]["verbal"] for m in members if m in counts), threshold)
        row.complaints = _count(sum(complaints.get(m, 0) for m in members), threshold)
        offered = sum(volumes[m]["offered"] for m in members if m in volumes)
        if offered:
            row.response_rate = Figure(kind="percent", n=int(offered))
        served = sum(volumes[m]["served"] for m in members if m in volumes)
        waiting = sum(volumes[m]["waiting_total"] for m in members if m in volumes)
        if served:
            row.waiting_minutes = Figure(value=waiting / served, kind="minutes", n=int(served))
        for code, version in versions.items():
            row.metrics[code] = _metric(
                _sum(found, members, version), HEADLINE[code], threshold, targets.get((unit.pk, code))
            )
        rows.append(row)
    _suppress_complements(rows, threshold)
    for row in rows:  # a rate only beside a response count that may be shown
        if row.response_rate.n and row.responses.value is not None:
            row.response_rate.value = 100 * min(row.responses.value / row.response_rate.n, 1.0)
    return rows


def _empty(version: ItemVersion) -> Summary:
    return Summary.empty(version.scale_min or 0, version.scale_max or 0)


def _added(parts: Iterable[Summary], version: ItemVersion) -> Summary:
    """The parts together (no parts: no answers, on the version's scale)."""
    total = _empty(version)
    for part in parts:
        total = total + part
    return total


def _sum(found: dict[Any, Summary], unit_ids: list[int], version: ItemVersion) -> Summary:
    """What `summaries` found for these units (keyed by unit), together."""
    return _added((found[(u, version.pk)] for u in unit_ids if (u, version.pk) in found), version)


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


def _metric(current: Summary, measure: str, threshold: int, target: Target | None) -> Figure:
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


def _set_change(figure: Figure, before: Figure) -> None:
    """The change from the previous period, if both figures may be shown, and whether it
    is more than chance would explain."""
    if not (figure.shown and before.shown and figure.summary and before.summary):
        return
    assert figure.value is not None and before.value is not None
    figure.change = round(figure.value - before.value, DECIMALS[figure.kind]) + 0.0  # + 0.0: no "-0"
    figure.p_value = change_p_value(before.summary, figure.summary, figure.measure)
    figure.significant = figure.p_value is not None and figure.p_value < SIGNIFICANCE


def _count(count: int, threshold: int) -> Figure:
    return Figure(
        n=count, hidden=0 < count < threshold, value=None if 0 < count < threshold else float(count)
    )


def _suppress_complements(rows: list[UnitRow], threshold: int) -> None:
    """Hide more figures so that no small group can be worked out from the tree.

    A unit's figure covers its subtree: its children plus its own part (respondents of
    the unit itself, and of archived units below it), which no row shows. "Parent minus
    the other children" must never give a small group, so, until nothing changes:
    - among a shown parent's children and its own part, never exactly one small or
      hidden cell: hide the smallest shown child too (or, without one, the parent);
    - a hidden parent must not be the sum of shown children and a known own part:
      hide its smallest shown child too.
    A zero is hidden only as the last resort: a unit with no answers shows it elsewhere."""
    children: defaultdict[int, list[UnitRow]] = defaultdict(list)
    by_id = {row.unit.pk: row for row in rows}
    for row in rows:
        if row.unit.parent_id in by_id:
            children[row.unit.parent_id].append(row)
    for pick in _cells(rows[0]) if rows else []:
        changed = True
        while changed:
            changed = False
            for parent_id, kids in children.items():
                parent = pick(by_id[parent_id])
                figures = [pick(kid) for kid in kids]
                own = parent.n - sum(figure.n for figure in figures)
                own_small = 0 < own < threshold
                shown = [figure for figure in figures if figure.shown and figure.n > 0]
                zeros = [figure for figure in figures if figure.shown and figure.n == 0]
                hidden = [figure for figure in figures if figure.hidden]
                if parent.hidden:
                    if not hidden and not own_small and (shown or zeros):
                        # Only when nothing else can keep the parent unknown is a zero hidden.
                        _hide(min(shown, key=lambda figure: figure.n) if shown else zeros[0])
                        changed = True
                elif len(hidden) + own_small == 1:
                    _hide(min(shown, key=lambda figure: figure.n) if shown else parent)
                    changed = True


def _cells(row: UnitRow) -> list[Any]:
    pickers: list[Any] = [lambda r: r.responses, lambda r: r.verbal, lambda r: r.complaints]
    pickers += [lambda r, code=code: r.metrics[code] for code in row.metrics]
    return pickers


def _hide(figure: Figure) -> None:
    figure.hidden = True
    figure.value = None
    figure.interval = None
    figure.change = None


def _complaints(unit_ids: list[int], filters: Filters) -> dict[int, int]:
    rows = (
        Complaint.objects.filter(unit_id__in=unit_ids, received_on__range=(filters.start, filters.end))
        .values("unit_id")
        .annotate(count_=Count("pk"))
    )
    return {row["unit_id"]: row["count_"] for row in rows}


def _volumes(unit_ids: list[int], filters: Filters) -> dict[int, dict[str, float]]:
    rows = ServiceVolume.objects.filter(unit_id__in=unit_ids, date__range=(filters.start, filters.end))
    if filters.touchpoint_id:
        rows = rows.filter(touchpoint_id=filters.touchpoint_id)
    found: defaultdict[int, dict[str, float]] = defaultdict(
        lambda: {"offered": 0, "served": 0, "waiting_total": 0.0}
    )
    for volume in rows.only("unit_id", "customers_served", "customers_offered_survey", "waiting_minutes"):
        entry = found[volume.unit_id]
        entry["offered"] += volume.customers_offered_survey or 0
        if volume.waiting_minutes is not None:
            entry["served"] += volume.customers_served
            entry["waiting_total"] += float(volume.waiting_minutes * Decimal(volume.customers_served))
    return found


def _targets(units: list[Unit], versions: dict[str, ItemVersion]) -> dict[tuple[int, str], Target]:
    """Each unit's target for each headline item: its own, its nearest ancestor's, or the
    organisation's default."""
    if not units:
        return {}
    items = {version.item_id: code for code, version in versions.items()}
    targets = Target.objects.filter(organisation_id=units[0].organisation_id, item_id__in=items)
    by_key = {(t.unit_id, items[t.item_id]): t for t in targets}
    found = {}
    for unit in units:
        for code in versions:
            for unit_id in [unit.pk, *reversed(unit.ancestor_ids()), None]:
                if (unit_id, code) in by_key:
                    found[(unit.pk, code)] = by_key[(unit_id, code)]
                    break
    return found


# --- One unit: "how did my unit do yesterday" -----------------------------------------------

# (name, days, days before today): yesterday, and the last 7 and 28 days up to today.
WINDOWS = (("yesterday", 1, 1), ("week", 7, 0), ("month", 28, 0))
BASELINE_DAYS = 90  # the unit's own baseline: the 90 days before the last 28


@dataclass
class ItemCard:
    """One headline item of a unit: recent windows against the unit's baseline and target."""

    code: str
    version: ItemVersion
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


def measure_of(version: ItemVersion) -> str:
    kind = version.item.kind
    if kind == "nps":
        return TargetMeasure.NPS
    if kind == "yes_no":
        return TargetMeasure.TOP_BOX
    return TargetMeasure.MEAN


def item_cards(unit: Unit, today: date, threshold: int) -> list[ItemCard]:
    versions = headline_versions()
    targets = _targets([unit], versions)
    # The last 28 days up to today (the "month" window); the baseline is the 90 days before.
    last = Filters(start=today - timedelta(days=27), end=today, organisation_id=unit.organisation_id)
    periods = {
        "baseline": replace(
            last, start=last.start - timedelta(days=BASELINE_DAYS), end=last.start - timedelta(days=1)
        ),
        **{
            name: replace(
                last, start=today - timedelta(days=days + skip - 1), end=today - timedelta(days=skip)
            )
            for name, days, skip in WINDOWS
        },
    }
    found = {
        name: summaries(unit.subtree_ids, versions.values(), period, by=())
        for name, period in periods.items()
    }
    cards = []
    for code, version in versions.items():
        target = targets.get((unit.pk, code))
        figures = {
            name: _metric(_sum_keyed(found[name], version), HEADLINE[code], threshold, target)
            for name in periods
        }
        baseline = figures.pop("baseline")
        for figure in figures.values():
            _set_change(figure, baseline)
        cards.append(ItemCard(code=code, version=version, windows=figures, baseline=baseline))
    return cards


def _sum_keyed(found: dict[Any, Summary], version: ItemVersion) -> Summary:
    """What `summaries(..., by=())` found for the version."""
    return found.get((version.pk,)) or _empty(version)


@dataclass
class Trend:
    values: list[float | None]  # per point of `buckets(filters)`; None where hidden or empty
    distribution: list[float]  # share (%) of answers at each scale point; empty when too few


def trends(unit: Unit, versions: list[ItemVersion], filters: Filters, threshold: int) -> dict[int, Trend]:
    """Each item's value per day, week or month of the period, and its distribution over
    the whole period, by item version id: one query for them all."""
    filters = replace(filters, organisation_id=unit.organisation_id)
    daily = summaries(unit.subtree_ids, versions, filters, by=("day",))
    points = buckets(filters)
    found = {}
    for version in versions:
        measure = measure_of(version)
        mine = [(day, summary) for (day, version_id), summary in daily.items() if version_id == version.pk]
        values: list[float | None] = []
        for bucket in points:
            total = _added((s for day, s in mine if bucket.start <= day <= bucket.end), version)
            values.append(measure_value(total, measure)[0] if total.n >= threshold else None)
        whole = _added((s for _day, s in mine), version)
        shares = [100 * count / whole.n for count in whole.counts] if whole.n >= threshold else []
        found[version.pk] = Trend(values, shares)
    return found


def _answered_versions(unit_ids: list[int], filters: Filters) -> list[ItemVersion]:
    """The item versions with numeric answers in these units within the filters."""
    version_ids = (
        filters.stats_table.objects.filter(filters.q(), unit_id__in=unit_ids, n__gt=0)
        .values_list("item_version_id", flat=True)
        .distinct()
    )
    return list(ItemVersion.objects.filter(pk__in=list(version_ids)).select_related("item"))


def significant_item_changes(unit: Unit, filters: Filters, threshold: int) -> list[Change]:
    """Items whose result changed from the previous period by more than chance would
    explain, after correcting for testing many items at once."""
    filters = replace(filters, organisation_id=unit.organisation_id)
    versions = _answered_versions(unit.subtree_ids, filters)
    now = summaries(unit.subtree_ids, versions, filters, by=())
    before = summaries(unit.subtree_ids, versions, filters.previous(), by=())
    changes = {}
    for version in versions:
        measure = measure_of(version)
        after = _metric(_sum_keyed(now, version), measure, threshold, None)
        earlier = _metric(_sum_keyed(before, version), measure, threshold, None)
        _set_change(after, earlier)
        if after.change is not None:
            changes[str(version.pk)] = Change(version=version, before=earlier, after=after)
    kept = significant_changes({key: change.after.p_value for key, change in changes.items()})
    return [change for key, change in changes.items() if key in kept]


def _start_of(day: date) -> datetime:
    """Midnight at the start of a local day, so that a time range can use the index."""
    return timezone.make_aware(datetime.combine(day, time()))


def _group_sizes(unit_ids: list[int], filters: Filters) -> dict[int, int]:
    """Respondents per unit (survey responses and verbal feedback) within the filters."""
    return {
        unit_id: c["responses"] + c["verbal"] for unit_id, c in response_counts(unit_ids, filters).items()
    }


def _comments(unit_ids: list[int], filters: Filters) -> Any:
    """Free-text answers of these units within the filters: the raw table, so callers take
    only the newest few rows."""
    return (
        Answer.objects.filter(
            filters.responses_q("response__"),
            response__unit_id__in=unit_ids,
            number__isnull=True,
            choices__isnull=True,
        )
        .exclude(text="")
        .order_by("-response__responded_at")
    )


def latest_comments(unit: Unit, filters: Filters, text_threshold: int, limit: int = 10) -> list[Any] | None:
    """The newest free-text answers of the period (already redacted when stored); None when
    the group is smaller than the comment threshold, since a comment can reveal its writer.
    Each comment names its unit, so each unit's own group must reach the threshold too."""
    filters = replace(filters, organisation_id=unit.organisation_id)
    sizes = _group_sizes(unit.subtree_ids, filters)
    if sum(sizes.values()) < text_threshold:
        return None
    large = [unit_id for unit_id, size in sizes.items() if size >= text_threshold]
    return list(_comments(large, filters).select_related("response__unit", "item_version")[:limit])


# --- A service path: where along the way the experience drops ------------------------------------


@dataclass
class TouchpointRow:
    touchpoint: Any
    responses: Figure
    metrics: dict[str, Figure]
    drop: bool = False  # the largest fall in satisfaction from the touchpoint before


def path_rows(
    units: list[Unit], touchpoints: list[Any], filters: Filters, threshold: int
) -> list[TouchpointRow]:
    """Headline figures per touchpoint of one path, over the given units' subtrees.

    The touchpoints split the units' totals, which the overview shows: a single hidden
    touchpoint could be worked out as "total minus the others", so one more is hidden."""
    if not units or not touchpoints:
        return []
    filters = replace(filters, organisation_id=units[0].organisation_id)
    members = list(Unit.objects.subtree_of(*units).values_list("pk", flat=True))
    versions = headline_versions()
    found = summaries(members, versions.values(), filters, by=("touchpoint_id",))
    counts = (
        filters.counts_table.objects.filter(filters.q(), unit_id__in=members)
        .exclude(channel=Channel.VERBAL)
        .values("touchpoint_id")
        .annotate(count_=Sum("count"))
    )
    responses = {row["touchpoint_id"]: row["count_"] for row in counts}
    rows = []
    for touchpoint in touchpoints:
        figures = {}
        for code, version in versions.items():
            summary = found.get((touchpoint.pk, version.pk)) or _empty(version)
            figures[code] = _metric(summary, HEADLINE[code], threshold, None)
        rows.append(TouchpointRow(touchpoint, _count(responses.get(touchpoint.pk, 0), threshold), figures))
    pickers: list[Any] = [lambda r: r.responses, *(lambda r, code=code: r.metrics[code] for code in versions)]
    for pick in pickers:
        cells: list[Figure] = [pick(row) for row in rows]
        if sum(cell.hidden for cell in cells) == 1 and (shown := [cell for cell in cells if cell.shown]):
            _hide(min(shown, key=lambda cell: cell.n))
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


# --- Comparison: a unit against similar units and the organisation --------------------------------

MIN_PEERS = 3  # a peer figure must blend at least this many units, or it would show one of them


@dataclass
class ComparedItem:
    version: ItemVersion
    unit: Figure
    peers: Figure  # the other units of the same type together
    organisation: Figure  # every other unit of the organisation together
    rank: int | None = None  # 1 = best among the units of the same type with enough answers
    ranked: int = 0
    difference: float | None = None  # unit minus peers
    significant: bool = False


def comparison(unit: Unit, filters: Filters, threshold: int, visible: set[int]) -> list[ComparedItem]:
    """The unit's items against the other units of its type and the rest of the
    organisation, with its rank among its type; the items that differ most first.

    Other units appear only blended. A blend takes only units that reach the threshold
    themselves, at least three of them; and of those the user may not open (outside
    `visible`), none or at least three, so that the blend minus what the user sees never
    leaves one or two units."""
    filters = replace(filters, organisation_id=unit.organisation_id)
    everyone = list(Unit.objects.filter(organisation_id=unit.organisation_id, archived_at__isnull=True))
    peers = [u for u in everyone if u.unit_type_id == unit.unit_type_id and u.pk != unit.pk]
    members_of = {of.pk: [u.pk for u in everyone if u.path.startswith(of.path)] for of in [unit, *peers]}
    own_ids = members_of[unit.pk]
    versions = _answered_versions(own_ids, filters)
    found = summaries([u.pk for u in everyone], versions, filters)

    def subtree(of: Unit, version: ItemVersion) -> Summary:
        return _sum(found, members_of[of.pk], version)

    def blend(parts: list[tuple[int, Summary]], version: ItemVersion) -> Summary | None:
        large = [(unit_id, summary) for unit_id, summary in parts if summary.n >= threshold]
        outside = [unit_id for unit_id, _summary in large if unit_id not in visible]
        if len(large) < MIN_PEERS or 0 < len(outside) < MIN_PEERS:
            return None
        return _added((summary for _unit_id, summary in large), version)

    compared = []
    for version in versions:
        measure = measure_of(version)
        own = subtree(unit, version)
        peer_parts = [(peer.pk, subtree(peer, version)) for peer in peers]
        rest_parts = [
            (key[0], summary)
            for key, summary in found.items()
            if key[1] == version.pk and key[0] not in own_ids
        ]
        peer_total, rest = blend(peer_parts, version), blend(rest_parts, version)
        item = ComparedItem(
            version=version,
            unit=_metric(own, measure, threshold, None),
            peers=_metric(peer_total, measure, threshold, None) if peer_total else Figure(),
            organisation=_metric(rest, measure, threshold, None) if rest else Figure(),
        )
        if item.unit.shown and item.unit.value is not None and peer_total is not None:
            # Ranked only among the units the blend takes, by the same rule.
            values = [measure_value(s, measure)[0] for _pk, s in peer_parts if s.n >= threshold]
            item.rank = 1 + sum(1 for v in values if v is not None and v > item.unit.value)
            item.ranked = len(values) + 1
        if (
            item.unit.shown
            and item.peers.shown
            and item.unit.value is not None
            and item.peers.value is not None
        ):
            item.difference = item.unit.value - item.peers.value
            p = change_p_value(peer_total, own, measure) if peer_total else None
            item.significant = p is not None and p < SIGNIFICANCE
        compared.append(item)
    compared.sort(key=lambda c: (not c.significant, -abs(c.difference or 0)))
    return compared


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


def action_effects(unit: Unit, filters: Filters, threshold: int, points: list[Bucket]) -> list[ActionEffect]:
    """Actions of the unit done within the period, each with its metric (satisfaction when
    none was named) before and after, and whether the change is beyond chance."""
    today = timezone.localdate()
    members = unit.subtree_ids
    actions = list(
        Action.objects.filter(unit_id__in=members, done_on__range=(filters.start, filters.end))
        .select_related("item")
        .order_by("done_on", "pk")
    )
    named = ItemVersion.objects.latest_of(
        Item.objects.filter(pk__in={a.item_id for a in actions if a.item_id})
    )
    newest = {version.item_id: version for version in named.select_related("item")}
    fallback = headline_versions().get("csat")
    effects: list[ActionEffect] = []
    for action in actions:
        version = newest.get(action.item_id) if action.item_id else fallback
        if version is None or version.scale_min is None or action.done_on is None:
            continue
        done = action.done_on
        measure = measure_of(version)
        around = Filters(start=done, end=done, organisation_id=unit.organisation_id)
        before_period = replace(
            around, start=done - timedelta(days=EFFECT_DAYS), end=done - timedelta(days=1)
        )
        after_period = replace(around, end=min(done + timedelta(days=EFFECT_DAYS - 1), today))
        before = _metric(
            _sum_keyed(summaries(members, [version], before_period, by=()), version), measure, threshold, None
        )
        after = _metric(
            _sum_keyed(summaries(members, [version], after_period, by=()), version), measure, threshold, None
        )
        _set_change(after, before)
        bucket = next((i for i, point in enumerate(points) if point.start <= done <= point.end), None)
        effects.append(ActionEffect(len(effects) + 1, action, version, before, after, bucket))
    return effects


# --- The positive-feedback wall ("onnistumiset") ------------------------------------------------


def praise(units: list[Unit], filters: Filters, text_threshold: int, limit: int = 30) -> list[Answer]:
    """The best comments of the period: free text from customers who were satisfied (CSAT
    4–5 or NPS 9–10) or whose verbal feedback was positive, from units whose group is
    large enough for comments to be shown."""
    if not units:
        return []
    filters = replace(filters, organisation_id=units[0].organisation_id)
    sizes = _group_sizes([unit.pk for unit in units], filters)
    eligible = [unit_id for unit_id, size in sizes.items() if size >= text_threshold]
    pleased = Answer.objects.filter(
        Q(item_version__item__code="csat", number__gte=4) | Q(item_version__item__code="nps", number__gte=9)
    ).values("response_id")
    answers = _comments(eligible, filters).filter(
        Q(response_id__in=pleased) | Q(response__sentiment="positive")
    )
    return list(answers.select_related("response__unit")[:limit])


# --- Single responses for export (permitted roles only) ------------------------------------------

EXPORT_LIMIT = 200_000


@dataclass
class ExportedResponse:
    response: Any
    answers: dict[str, Any]  # item code (with its version when not the first) -> number, choices or text


def responses_for_export(units: Any, filters: Filters, limit: int) -> list[ExportedResponse]:
    """The period's responses in these units, with their answers keyed by item code.
    Free text is exported as stored: redacted when it was received."""
    responses = (
        Response.objects.filter(filters.responses_q(), unit__in=units)
        .select_related("unit", "touchpoint")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("item_version__item")))
    )
    exported = []
    for response in responses.order_by("responded_at", "pk")[:limit]:
        answers: dict[str, Any] = {}
        for answer in response.answers.all():
            version = answer.item_version
            code = version.item.code if version.number == 1 else f"{version.item.code} v{version.number}"
            if answer.number is not None:
                answers[code] = answer.number
            elif answer.choices:
                answers[code] = "; ".join(answer.choices)
            else:
                answers[code] = answer.text
        exported.append(ExportedResponse(response, answers))
    return exported
