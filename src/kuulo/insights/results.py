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

from kuulo.core.models import in_language
from kuulo.feedback.models import CHOICE_KINDS, ItemKind, ItemVersion
from kuulo.organisations.models import Unit

from . import answer_split
from .answer_split import AnswerGroup
from .figures import Figure, Filters, Measure
from .metrics import buckets
from .models import DailyChoiceCount
from .table import Tree, build, prepare

NUMERIC_KINDS = {"csat", "nps", "ces", "agreement", "likert", "yes_no", "number"}
SUMMED_KINDS = NUMERIC_KINDS | CHOICE_KINDS  # a choice question's n counts its respondents
PERCENTILES = {"p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}


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
    # Split by the answer to another question: each group, its cell and its distribution in %
    by_answer: list[tuple[AnswerGroup, Figure, list[float] | None]] = field(default_factory=list)

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
) -> list[QuestionResult]:
    """Every question of the survey over the unit's subtree, read at the survey's
    touchpoint: the cells any other view shows for the unit filtered to that touchpoint
    (one split, the touchpoint), so nothing here can be set against another page to tell
    a small group (ADR 0005, ADR 0010). With `by` (one of the survey's questions), each
    question is also split by the answer to it (a cross-tabulation); with `only` as well
    (one of its answer groups), every figure is of that group's respondents (ADR 0011)."""
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
            result.by_answer = [
                (group, cell, _shares(version, cell, by_answer.picks.get((unit.pk, group.key, version.pk))))
                for group in by_answer.groups
                for cell in [by_answer.tables[0].row(unit.pk, answer=group.key).metrics[key]]
            ]
        results.append(result)
    return results


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
