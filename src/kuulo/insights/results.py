"""A survey's results: every question with its figure, interval, distribution, trend and
the units below, read at the survey's touchpoint through the one suppressed table."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import number_format

from kuulo.core.models import LanguageChoice, in_language
from kuulo.feedback.models import (
    CHOICE_KINDS,
    AgeBand,
    Channel,
    ItemKind,
    ItemVersion,
    RespondentType,
    SurveyQuestion,
)
from kuulo.organisations.models import Unit

from . import answer_split
from .figures import Figure, Filters, Measure
from .metrics import buckets
from .models import DailyChoiceCount
from .table import Table, Tree, build, prepare

NUMERIC_KINDS = {"csat", "nps", "ces", "agreement", "likert", "yes_no", "number"}
SUMMED_KINDS = NUMERIC_KINDS | CHOICE_KINDS  # a choice question's n counts its respondents
PERCENTILES = {"p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}
# The segments a survey's results can be broken down by, each value with its label.
SEGMENT_LABELS = {
    "channel": Channel.choices,
    "language": LanguageChoice.choices,
    "respondent_type": RespondentType.choices,
    "age_band": AgeBand.choices,
}


@dataclass
class QuestionResult:
    """One question of a survey over a unit's subtree: its figure (mean, NPS or the share
    of "yes" with its 95 % interval), its distribution, trend and the units below."""

    question: Any  # feedback.SurveyQuestion
    version: ItemVersion
    figure: Figure | None  # None: open text; a choice question's figure is its respondents (n)
    # Scale value (or a number's range), count, %
    distribution: list[tuple[str, int, float]] = field(default_factory=list)
    cant_say: tuple[int, float] | None = None  # "can't say": count, % of all who answered
    # A number's median and quartiles, estimated from its ranges' counts
    percentiles: dict[str, float] = field(default_factory=dict)

    @property
    def choices(self) -> bool:
        """A choice question: its figure is only its respondents; no mean, trend or units."""
        return self.version.item.kind in CHOICE_KINDS

    trend: list[float | None] = field(default_factory=list)
    by_unit: list[tuple[Unit, Figure]] = field(default_factory=list)
    # Split by the answer to another question or by a segment: each group's key (an
    # answer group's, for showing it alone), label, cell and distribution in %
    breakdown: list[tuple[str, Any, Figure, list[float] | None]] = field(default_factory=list)
    asked_elsewhere: bool = False  # asked at other touchpoints too: not broken down by a segment

    @property
    def respondents(self) -> Figure:
        return respondents_of(self.figure or Figure())


def respondents_of(figure: Figure) -> Figure:
    """How many answered (a choice question's figure), hidden whenever the figure is."""
    shown = float(figure.n) if figure.shown else None
    return Figure(value=shown, n=figure.n, hidden=figure.hidden, shown_for=figure.shown_for)


def survey_results(
    survey: Any,
    unit: Unit,
    filters: Filters,
    threshold: int,
    today: date | None = None,
    *,
    by: ItemVersion | None = None,
    only: str = "",
    segment: str = "",
) -> list[QuestionResult]:
    """Every question of the survey over the unit's subtree, read at the survey's
    touchpoint: the cells any other view shows for the unit filtered to that touchpoint
    (one split, the touchpoint), so nothing here can be set against another page to tell
    a small group (ADR 0005, ADR 0010). With `by` (one of the survey's questions), each
    question is also split by the answer to it (a cross-tabulation); with `only` as well
    (one of its answer groups), every figure is of that group's respondents. With
    `segment` (channel, language, respondent type or age group), each question asked at
    this touchpoint only is broken down by it: the cells of the one table split by that
    segment alone, which are this survey's answers (ADR 0011)."""
    today = today or timezone.localdate()
    filters = replace(
        filters,
        organisation_id=unit.organisation_id,
        touchpoint_id=survey.touchpoint_id,
        channel="",
        language="",
        respondent_type="",
        age_band="",
    ).completed(today)
    questions = list(survey.questions.select_related("item_version__item").order_by("order"))
    numeric = [q for q in questions if q.item_version.item.kind in SUMMED_KINDS]
    keyed = {Measure.of(q.item_version).key: Measure.of(q.item_version) for q in numeric}
    tree = Tree.of(unit.organisation_id)
    points = [replace(filters, start=bucket.start, end=bucket.end) for bucket in buckets(filters)]
    history = prepare(tree, [filters, *points], keyed, threshold, counts=False, today=today)
    tables = [
        build(tree, period, threshold, keyed, counts=False, today=today, history=history)
        for period in [filters, *points]
    ]
    by_answer = None
    if by is not None:
        versions = {key: measure.version for key, measure in keyed.items()}
        by_answer = answer_split.split(survey, by, versions, tables, history, threshold, today)

    def row(index: int, unit_id: int) -> Any:
        if by_answer is not None and only:
            return by_answer.tables[index].row(unit_id, answer=only)
        return tables[index].row(unit_id)

    by_segment = _segment_table(survey, tree, filters, segment, keyed, threshold, today) if segment else None
    children = [tree.active[pk] for pk in tree.children.get(unit.pk, [])]
    results = []
    for question in questions:
        version = question.item_version
        if question not in numeric:
            results.append(QuestionResult(question, version, None))
            continue
        key = Measure.of(version).key
        figure = row(0, unit.pk).metrics[key]
        result = QuestionResult(question, version, figure)
        if version.item.kind in CHOICE_KINDS and figure.shown and figure.summary and figure.summary.n:
            # Picks counted under the shown figure of their respondents, as a scale's points are.
            if by_answer is not None and only:
                picked: Mapping[str, int] = by_answer.picks.get((unit.pk, only, version.pk), Counter())
            else:
                picked = _picks(version, unit, filters)
            result.distribution = _choice_shares(version, picked, figure.summary.n)
        elif figure.shown and figure.summary and figure.summary.n:
            summary = figure.summary
            result.distribution = [
                (label, number, 100 * number / summary.n)
                for label, number in zip(answer_labels(version), summary.counts, strict=True)
            ]
            if version.cant_say:
                result.cant_say = (summary.cant_say, 100 * summary.cant_say / (summary.n + summary.cant_say))
            if version.item.kind == ItemKind.NUMBER:
                result.percentiles = {
                    name: estimated_percentile(version, summary.counts, share)
                    for name, share in PERCENTILES.items()
                }
        if version.item.kind not in CHOICE_KINDS:
            result.trend = [row(index, unit.pk).metrics[key].value for index in range(1, len(tables))]
            result.by_unit = [(child, row(0, child.pk).metrics[key]) for child in children]
        if by_answer is not None and not only:
            result.breakdown = [
                (
                    group.key,
                    group.label,
                    cell,
                    _shares(version, cell, by_answer.picks.get((unit.pk, group.key, version.pk))),
                )
                for group in by_answer.groups
                for cell in [by_answer.tables[0].row(unit.pk, answer=group.key).metrics[key]]
            ]
        elif by_segment is not None and version.item.kind not in CHOICE_KINDS:
            table, labels = by_segment.table, by_segment.labels
            result.asked_elsewhere = table is None or key not in by_segment.measures
            result.breakdown = (
                []
                if result.asked_elsewhere or table is None
                else [
                    ("", label, cell, _shares(version, cell, None))
                    for value, label in labels.items()
                    for cell in [table.row(unit.pk, **{segment: value}).metrics[key]]
                    if (unit.pk, (value,)) in table.cells
                ]
            )
        results.append(result)
    return results


@dataclass
class SegmentTable:
    table: Table | None  # None: every question is asked elsewhere too
    labels: dict[str, Any]  # each value of the segment with its label
    measures: set[str]  # the questions asked at this survey's touchpoint only


def _segment_table(
    survey: Any,
    tree: Tree,
    filters: Filters,
    segment: str,
    keyed: dict[str, Measure],
    threshold: int,
    today: date,
) -> SegmentTable:
    """The one table split by a segment alone, for the survey's questions that no survey
    at another touchpoint asks: their cells are this survey's answers. A question asked
    elsewhere too is not broken down (at this touchpoint only, that would be two splits
    at once, ADR 0005)."""
    elsewhere = set(
        SurveyQuestion.objects.filter(item_version_id__in=[m.version.pk for m in keyed.values()])
        .exclude(survey__touchpoint_id=survey.touchpoint_id)
        .values_list("item_version_id", flat=True)
    )
    own = {key: measure for key, measure in keyed.items() if measure.version.pk not in elsewhere}
    labels = dict(SEGMENT_LABELS[segment])
    value: dict[str, Any] = {segment: next(iter(labels))}  # any: the table holds every value
    split = replace(filters, touchpoint_id=None, **value)
    table = build(tree, split, threshold, own, counts=False, today=today) if own else None
    return SegmentTable(table, labels, set(own))


def _choice_shares(
    version: ItemVersion, picked: Mapping[str, int], respondents: int
) -> list[tuple[str, int, float]]:
    return [
        (label, picked.get(value, 0), 100 * picked.get(value, 0) / respondents)
        for value, label in choice_labels(version)
    ]


def _shares(version: ItemVersion, figure: Figure, picked: Mapping[str, int] | None) -> list[float] | None:
    """A shown cell's distribution in % (a choice question's picks of its respondents):
    a row of a cross-tabulation."""
    if not (figure.shown and figure.summary and figure.summary.n):
        return None
    n = figure.summary.n
    if version.item.kind in CHOICE_KINDS:
        return [share for _label, _count, share in _choice_shares(version, picked or {}, n)]
    return [100 * number / n for number in figure.summary.counts]


def _picks(version: ItemVersion, unit: Unit, filters: Filters) -> dict[str, int]:
    """How often each choice was picked in the unit's subtree within the filters."""
    rows = (
        DailyChoiceCount.objects.filter(filters.q(), unit_id__in=unit.subtree_ids, item_version_id=version.pk)
        .values("choice")
        .annotate(picked=Sum("count"))
    )
    return {row["choice"]: row["picked"] for row in rows}


def choice_labels(version: ItemVersion) -> list[tuple[str, str]]:
    """A choice question's values with their labels in the reader's language."""
    return [(str(choice["value"]), in_language(choice)) for choice in version.choices]


def ranges(version: ItemVersion) -> list[tuple[Decimal, Decimal]]:
    """A number item's ranges, each from its first value up to the next one's."""
    edges = [version.lower, *version.bucket_edges(), version.upper]
    return [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]  # type: ignore[misc]


def answer_labels(version: ItemVersion) -> list[str]:
    """What each of a version's counts is: a scale point, or a number's range."""
    if version.item.kind != ItemKind.NUMBER:
        return [str(value) for value in version.scale_values()]
    return [f"{_edge(low)}–{_edge(high)}" for low, high in ranges(version)]


def _edge(value: Decimal) -> str:
    """A range's end as people read it: whole where it is, else two significant digits."""
    if value == value.to_integral_value():
        return number_format(int(value))
    places = 2 if value < 1 else 1 if value < 10 else 0
    return number_format(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), places)


def estimated_percentile(version: ItemVersion, counts: tuple[int, ...], share: float) -> float:
    """The value below which `share` of a number item's answers lie, estimated from the
    counts of its ranges (the aggregates keep no single answers): within the range it
    falls in, on the log scale the ranges are spaced by (linear where a range starts at
    or below 0)."""
    wanted = share * sum(counts)
    passed = 0
    for (low, high), count in zip(ranges(version), counts, strict=True):
        if count and passed + count >= wanted:
            part = (wanted - passed) / count
            a, b = float(low), float(high)
            return a * (b / a) ** part if a > 0 else a + part * (b - a)
        passed += count
    return float(version.upper or 0)
