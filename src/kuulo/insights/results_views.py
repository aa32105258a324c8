"""Survey results: the surveys a user may read results of, and one survey's every question
over a unit's subtree, with drill-down to the units below and to the comments."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kuulo.feedback.models import ItemKind, Survey, SurveyStatus, Touchpoint
from kuulo.organisations.access import (
    Permission,
    get_for_user_or_404,
    listed,
    organisation_for,
    requires,
    units_for,
)
from kuulo.organisations.models import Unit

from . import charts, metrics, results
from .answer_split import answer_groups
from .forms import SurveyResultsForm

VIEW = Permission.VIEW_INSIGHTS


def _surveys(request: HttpRequest) -> QuerySet[Survey]:
    """The surveys at the touchpoints the user may see named (a draft's page is empty)."""
    touchpoints = listed(Touchpoint.objects.all(), request.user, VIEW)
    return Survey.objects.filter(
        organisation=organisation_for(request.user), touchpoint__in=touchpoints
    ).select_related("touchpoint__service_path")


@requires(VIEW)
def survey_list(request: HttpRequest) -> HttpResponse:
    """Published and closed surveys."""
    surveys = _surveys(request).exclude(status=SurveyStatus.DRAFT).order_by("status", "name_fi")
    return render(request, "insights/survey_list.html", {"surveys": surveys})


@requires(VIEW)
def survey_results(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Every question of the survey over one unit's subtree (the user's top unit, or one
    below it chosen by drill-down), at the survey's touchpoint."""
    organisation = organisation_for(request.user)
    survey = get_object_or_404(_surveys(request), pk=survey_id)
    units = list(units_for(request.user, VIEW).active().order_by("path"))
    roots = [unit for unit in units if unit.parent_id not in {u.pk for u in units}]
    unit: Unit | None = None
    if chosen := request.GET.get("unit", "").strip():
        unit = get_for_user_or_404(
            Unit.objects.active(), request.user, VIEW, pk=chosen if chosen.isdigit() else 0
        )
    else:
        unit = roots[0] if roots else None
    questions = list(survey.questions.select_related("item_version__item").order_by("order"))
    touchpoints = listed(Touchpoint.objects.all(), request.user, VIEW)
    form = SurveyResultsForm(request.GET or None, touchpoints=touchpoints, questions=questions)
    filters = form.filters(timezone.localdate())
    by, only, segment = form.split()
    threshold = organisation.reporting_threshold
    by_version = by.item_version if by else None
    found = (
        results.survey_results(survey, unit, filters, threshold, by=by_version, only=only, segment=segment)
        if unit
        else []
    )
    labels = [bucket.label for bucket in metrics.buckets(filters)]
    # Each question with its trend and distribution charts (None: no scale), and the
    # columns of its cross-tabulation by the answer to another question.
    rows = []
    for number, result in enumerate(found, start=1):
        trend = distribution = None
        crosstab = _crosstab(result, by)
        if result.choices:
            labels_of = [label for _value, label in results.choice_labels(result.version)]
            shares = [share for _label, _count, share in result.distribution]
            distribution = charts.item_distribution(
                f"q{number}", labels_of, shares, title=_("Share of respondents")
            )
        elif result.figure is not None:
            version, measure = result.version, metrics.measure_of(result.version)
            scale = (version.scale_min, version.scale_max)
            trend = charts.item_trend(
                f"q{number}", measure, scale, labels, result.trend, None, [], title=_("Over time")
            )
            shares = [share for _value, _count, share in result.distribution]
            distribution = charts.item_distribution(
                f"q{number}", results.answer_labels(version), shares, title=_("Share of answers")
            )
        rows.append((result, trend, distribution, crosstab))
    parent = unit.parent if unit and unit.parent_id and unit not in roots else None
    return render(
        request,
        "insights/survey_results.html",
        {
            "survey": survey,
            "unit": unit,
            "parent": parent,
            "roots": roots,
            "rows": rows,
            "form": form,
            "filters": filters,
            "threshold": threshold,
            "by": by,
            "segment": form.fields[segment].label if segment else "",
            "only": next(group for group in answer_groups(by.item_version) if group.key == only)
            if only
            else None,
        },
    )


def _crosstab(result: results.QuestionResult, by: Any) -> tuple[list[str], list[tuple[Any, ...]], bool]:
    """A question broken down by the answer to another (`by`) or by a segment: the columns
    (its scale points or choices in %; a number item only its figure), and each group's
    label, figure, shares and (an answer group) the filter that shows it alone; and whether
    a group is hidden."""
    if not result.breakdown:
        return [], [], False
    columns: list[str] = []
    if result.choices:
        columns = [label for _value, label in results.choice_labels(result.version)]
    elif result.version.item.kind != ItemKind.NUMBER:
        columns = results.answer_labels(result.version)
    rows = [
        (
            label,
            results.respondents_of(figure) if result.choices else figure,
            list(shares) if shares and columns else [None] * len(columns),
            f"{by.pk}:{key}" if by else "",
        )
        for key, label, figure, shares in result.breakdown
    ]
    return columns, rows, any(figure.hidden for _key, _label, figure, _shares in result.breakdown)
