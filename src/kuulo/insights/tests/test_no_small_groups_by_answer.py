"""A survey's results split by the answer to one of its questions reveal no small group,
beside the unsplit and per-touchpoint cells of two periods and the survey page's parts:
the same check as `test_no_small_groups.py` (exact linear algebra over unit's own
respondents × touchpoint × answer group × day), with the world of that module (ADR 0011)."""

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from freezegun import freeze_time
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kuulo.feedback.models import Channel
from kuulo.feedback.testing import send_answers
from kuulo.insights import answer_split
from kuulo.insights.figures import Filters
from kuulo.insights.table import Table, Tree, build, prepare
from kuulo.insights.tests.test_no_small_groups import (
    NPS_ITEM,
    PAIRS,
    TODAYS,
    Setting,
    determined,
    other_period,
    same,
    setting,
)
from kuulo.organisations.models import Role
from kuulo.organisations.testing import client_for

__all__ = ["setting"]  # the world's fixture, shared with test_no_small_groups.py

ANSWER_GROUPS = {
    **dict.fromkeys(range(7), "detractors"),
    7: "passives",
    8: "passives",
    9: "promoters",
    10: "promoters",
}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.reuse, Phase.generate],
)
@given(
    # Mostly at the survey's touchpoint (the first), in two units, on a few days: small groups
    # of an answer beside the rest are what the rule is about.
    responses=st.lists(
        st.tuples(
            st.sampled_from([2, 2, 3]),
            st.sampled_from([0, 0, 0, 1]),
            st.just(Channel.QR),
            st.just("fi"),
            st.sampled_from([1, 1, 2, 5]),
            st.integers(1, 5),
            st.sampled_from([None, None, 0, 10, 10]),
            st.integers(1, 4),
        ),
        max_size=12,
    ),
    chosen=st.tuples(st.integers(1, 6), st.integers(0, 6), st.just(None)),
    pair=PAIRS,
    today=st.sampled_from(TODAYS),
    threshold=st.integers(3, 6),
)
def test_a_split_by_the_answer_to_a_question_reveals_no_small_group(
    setting: Setting,
    responses: list[tuple[Any, ...]],
    chosen: tuple[Any, ...],
    pair: str,
    today: date,
    threshold: int,
) -> None:
    """A survey's CSAT split by its respondents' NPS group (detractors, passives,
    promoters; without an NPS answer: the rest), beside the unsplit and per-touchpoint
    cells of both periods and the survey page's parts: no small group is determined
    (ADR 0011)."""
    with freeze_time(datetime(today.year, today.month, today.day, 10)), transaction.atomic():
        check_answer_split(setting, responses, chosen, pair, threshold, at=0)
        transaction.set_rollback(True)


def check_answer_split(
    setting: Setting,
    responses: list[tuple[Any, ...]],
    chosen: tuple[Any, ...],
    pair: str,
    threshold: int,
    at: int,
) -> None:
    world = setting.world
    world.org.reporting_threshold = threshold
    world.org.save(update_fields=["reporting_threshold"])
    today = timezone.localdate()
    units = [world.root, world.area, world.unit, world.sibling]
    counts: defaultdict[tuple[Any, ...], int] = defaultdict(int)  # (unit, touchpoint, group, day)
    for unit, touchpoint, channel, language, ago, csat, nps, alike in responses:
        send_answers(
            world.users[Role.ADMIN],
            setting.publications[(unit, touchpoint)],
            [{"csat": csat} | ({NPS_ITEM[touchpoint]: nps} if nps is not None else {})] * alike,
            when=timezone.now() - timedelta(days=ago),
            channel=channel,
            language=language,
        )
        group = ANSWER_GROUPS.get(nps) if touchpoint == at and nps is not None else None
        counts[(units[unit].pk, setting.touchpoints[touchpoint].pk, group, today - timedelta(days=ago))] += (
            alike
        )
    ago, length, _split = chosen
    start = today - timedelta(days=ago)
    filters = Filters(
        start=start, end=min(start + timedelta(days=length), today), organisation_id=world.org.pk
    )
    second, read_on = other_period(filters, pair, today)
    survey = setting.publications[(0, at)].survey
    csat, nps = (survey.questions.get(item_version__item__code=code).item_version for code in ("csat", "nps"))
    items = {"csat": csat}
    tree = Tree.of(world.org.pk)
    cells: list[frozenset[Any]] = []
    days_of = []
    for period, day in ((filters, today), (second, read_on)):
        period = period.completed(day)
        days_of.append({var[-1] for var in counts if period.start <= var[-1] <= period.end})
        unsplit = build(tree, period, threshold, items, counts=False, today=day)
        cells += shown(unsplit, "csat", counts, threshold, lambda var, values: True)
        for touchpoint in setting.touchpoints:
            by_touchpoint = build(
                tree, replace(period, touchpoint_id=touchpoint.pk), threshold, items, counts=False, today=day
            )
            cells += shown(
                by_touchpoint,
                "csat",
                counts,
                threshold,
                lambda var, values: values == (None,) or var[1] == values[0],
            )
        at_survey = replace(period, touchpoint_id=survey.touchpoint_id)
        history = prepare(tree, [at_survey], items, threshold, counts=False, today=day)
        whole = build(tree, at_survey, threshold, items, counts=False, today=day, history=history)
        split = answer_split.split(survey, nps, items, [whole], history, threshold, day).tables[0]
        cells += shown(
            split,
            "csat",
            counts,
            threshold,
            lambda var, values: var[1] == survey.touchpoint_id and (values == (None,) or var[2] == values[0]),
        )
        if day == today:  # the page shows the split's cells
            query = f"period=custom&start={period.start}&end={period.end}"
            question = survey.questions.get(item_version=nps)
            page = client_for(world.users[Role.ADMIN]).get(
                f"/dashboards/surveys/{survey.pk}/?{query}&by={question.pk}"
            )
            result = page.context["rows"][0][0]
            for key, _label, figure, _shares in result.breakdown:
                same(figure, split.row(world.root.pk, answer=key).metrics["csat"], threshold)
    assert not determined(cells, counts, days_of, threshold)


def shown(table: Table, key: str, counts: dict[Any, int], threshold: int, holds: Any) -> list[frozenset[Any]]:
    """The variables each shown cell of the table sums (`holds`: whether a cell with these
    values of its split holds a variable), checking its count."""
    found = []
    for (unit_id, values), row in table.cells.items():
        figure = row.metrics[key]
        cell = frozenset(
            var
            for var in counts
            if unit_id in table.tree.ancestors[var[0]]
            and table.filters.start <= var[-1] <= table.filters.end
            and holds(var, values)
        )
        assert figure.n == sum(counts[var] for var in cell)
        if not figure.hidden:
            assert figure.n == 0 or figure.n >= threshold
            found.append(cell)
    return found
