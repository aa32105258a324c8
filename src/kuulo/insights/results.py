"""A survey's results: every question with its figure, interval, distribution, trend and
the units below, read at the survey's touchpoint through the one suppressed table."""

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.utils import timezone

from kuulo.feedback.models import ItemVersion
from kuulo.organisations.models import Unit

from .figures import Figure, Filters, Measure
from .metrics import buckets
from .table import Tree, build, prepare

NUMERIC_KINDS = {"csat", "nps", "ces", "agreement", "likert", "yes_no"}


@dataclass
class QuestionResult:
    """One question of a survey over a unit's subtree: its figure (mean, NPS or the share
    of "yes" with its 95 % interval), its distribution, trend and the units below."""

    question: Any  # feedback.SurveyQuestion
    version: ItemVersion
    figure: Figure | None  # None: a question without a scale (text, choices)
    distribution: list[tuple[int, int, float]] = field(default_factory=list)  # value, count, %
    cant_say: tuple[int, float] | None = None  # "can't say": count, % of all who answered
    trend: list[float | None] = field(default_factory=list)
    by_unit: list[tuple[Unit, Figure]] = field(default_factory=list)


def survey_results(
    survey: Any, unit: Unit, filters: Filters, threshold: int, today: date | None = None
) -> list[QuestionResult]:
    """Every question of the survey over the unit's subtree, read at the survey's
    touchpoint: the cells any other view shows for the unit filtered to that touchpoint
    (one split, the touchpoint), so nothing here can be set against another page to tell
    a small group (ADR 0005, ADR 0010)."""
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
    numeric = [q for q in questions if q.item_version.item.kind in NUMERIC_KINDS]
    keyed = {Measure.of(q.item_version).key: Measure.of(q.item_version) for q in numeric}
    tree = Tree.of(unit.organisation_id)
    points = [replace(filters, start=bucket.start, end=bucket.end) for bucket in buckets(filters)]
    history = prepare(tree, [filters, *points], keyed, threshold, counts=False, today=today)
    table = build(tree, filters, threshold, keyed, counts=False, today=today, history=history)
    trend_rows = [
        build(tree, point, threshold, keyed, counts=False, today=today, history=history).row(unit.pk)
        for point in points
    ]
    children = [tree.active[pk] for pk in tree.children.get(unit.pk, [])]
    results = []
    for question in questions:
        version = question.item_version
        if question not in numeric:
            results.append(QuestionResult(question, version, None))
            continue
        key = Measure.of(version).key
        figure = table.row(unit.pk).metrics[key]
        distribution, cant_say = [], None
        if figure.shown and figure.summary and figure.summary.n:
            summary = figure.summary
            distribution = [
                (value, number, 100 * number / summary.n)
                for value, number in zip(version.scale_values(), summary.counts, strict=True)
            ]
            if version.cant_say:
                cant_say = (summary.cant_say, 100 * summary.cant_say / (summary.n + summary.cant_say))
        results.append(
            QuestionResult(
                question,
                version,
                figure,
                distribution,
                cant_say,
                [row.metrics[key].value for row in trend_rows],
                [(child, table.row(child.pk).metrics[key]) for child in children],
            )
        )
    return results
