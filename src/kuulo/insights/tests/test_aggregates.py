"""The aggregates equal a fresh computation from the raw responses, whatever happens:
responses through every path (API batches, the public form's service, verbal feedback), late
arrivals on their own day, deletions, several item versions, "can't say" answers; and a
rebuild agrees."""

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kuulo.feedback import ingest, services
from kuulo.feedback.models import Answer, Dimension, ItemKind, Response, SurveyPublication
from kuulo.feedback.testing import make_survey, make_touchpoint
from kuulo.insights import aggregates
from kuulo.insights.aggregates import CHOICE_KEY, ITEM_KEY, RESPONSE_KEY, SEGMENT_KEY, STATS_FIELDS, UNIT_KEY
from kuulo.insights.models import (
    DailyChoiceCount,
    DailyItemStats,
    DailyResponseCount,
    DailySegmentStats,
    DailyUnitCount,
)
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def publications(world: World) -> list[SurveyPublication]:
    """Two surveys in two units; the custom rating item is asked in two versions."""
    rating = services.create_item(
        organisation=world.org,
        code="guidance",
        kind=ItemKind.LIKERT,
        dimension=Dimension.QUALITY,
        text_fi="Ohjaus",
        scale_min=-2,
        scale_max=2,
        cant_say=True,
    )
    picked = services.create_item(
        organisation=world.org,
        code="reached-by",
        kind=ItemKind.MULTIPLE_CHOICE,
        dimension=Dimension.OTHER,
        text_fi="Miten?",
        choices=[{"value": v, "fi": v} for v in ("web", "phone", "visit")],
    )
    waiting = services.create_item(
        organisation=world.org,
        code="waiting",
        kind=ItemKind.NUMBER,
        dimension=Dimension.EFFICIENCY,
        text_fi="Kauanko jonotit (min)?",
        number={"lower": 0, "upper": 240, "decimals": 1, "unit_label": {"fi": "min"}},
    )
    first = make_survey(world.org, items=("csat", "nps", "open"))
    services.add_question(first, rating.versions.get())
    services.add_question(first, picked.versions.get())
    services.add_question(first, waiting.versions.get())
    revised = services.revise_item(rating, text_fi="Ohjauksen laatu")
    second = make_survey(world.org, items=("resolved",), touchpoint=make_touchpoint(world.org, "decide"))
    services.add_question(second, revised)
    return [
        services.publish_survey(first, [world.unit])[0],
        services.publish_survey(second, [world.sibling])[0],
    ]


ANSWERS = st.fixed_dictionaries(
    {},
    optional={
        "csat": st.integers(1, 5),
        "nps": st.integers(0, 10),
        "open": st.sampled_from(["Kiitos!", "Jono oli pitkä", "x"]),
        "guidance": st.one_of(st.integers(-2, 2), st.just(services.CANT_SAY)),
        "reached-by": st.lists(
            st.sampled_from(["web", "phone", "visit"]), min_size=1, max_size=3, unique=True
        ),
        "resolved": st.integers(0, 1),
        "waiting": st.integers(0, 2400).map(lambda tenths: f"{tenths // 10},{tenths % 10}"),
    },
)
ADD = st.tuples(
    st.just("add"),
    st.integers(0, 1),  # which publication
    ANSWERS,
    st.integers(0, 400 * 24 * 60),  # minutes before now: late arrivals, across midnights and DST
    st.sampled_from(["api", "link", "kiosk", "import"]),
    st.sampled_from(["fi", "sv", "en"]),
    st.sampled_from(["", "student", "employer"]),
    st.sampled_from(["", "18-29", "65-"]),
)
VERBAL = st.tuples(st.just("verbal"), st.sampled_from(["positive", "negative"]), st.integers(0, 3000))
DELETE = st.tuples(st.just("delete"), st.integers(0, 10_000))
FORM = st.tuples(st.just("form"), st.integers(1, 5), st.integers(0, 10), st.integers(0, 3000))
OPERATIONS = st.lists(st.one_of(ADD, ADD, ADD, FORM, VERBAL, DELETE), min_size=1, max_size=25)


def run(operations: list[tuple[Any, ...]], world: World, publications: list[SurveyPublication]) -> None:
    admin = world.users[Role.ADMIN]
    batch: list[ingest.IncomingResponse] = []
    for operation in [*operations, ("flush",)]:
        if operation[0] == "add":
            _, which, answers, minutes, channel, language, respondent_type, age_band = operation
            if not answers:
                continue
            if which == 1:  # the second survey asks only "resolved" and the revised rating
                answers = {k: v for k, v in answers.items() if k in ("resolved", "guidance")} or {
                    "resolved": 1
                }
            else:
                answers = {k: v for k, v in answers.items() if k != "resolved"} or {"csat": 3}
            batch.append(
                ingest.IncomingResponse(
                    link=publications[which].code,
                    answers=answers,
                    responded_at=NOW - timedelta(minutes=minutes),
                    channel=channel,
                    language=language,
                    respondent_type=respondent_type,
                    age_band=age_band,
                )
            )
            continue
        if batch:
            ingest.ingest(admin, batch)
            batch = []
        if operation[0] == "verbal":
            services.record_verbal_feedback(
                recorded_by=admin,
                unit=world.unit,
                touchpoint=None,
                sentiment=operation[1],
                text="Asiakas kiitteli",
                heard_at=NOW - timedelta(minutes=operation[2]),
            )
        elif operation[0] == "form":  # the public form's path: one response at a time
            questions = {q.item_version.item.code: q for q in publications[0].survey.ordered_questions()}
            services.submit_response(
                publications[0],
                services.Submission(
                    answers={questions["csat"].pk: operation[1], questions["nps"].pk: operation[2]},
                    language="sv",
                    responded_at=NOW - timedelta(minutes=operation[3]),
                ),
            )
        elif operation[0] == "delete" and (count := Response.objects.count()):
            victim = Response.objects.order_by("pk")[operation[1] % count]
            services.delete_responses(Response.objects.filter(pk=victim.pk))


def from_raw() -> dict[str, dict[tuple[Any, ...], Any]]:
    """The aggregates computed directly from raw rows, here in the test."""
    items: defaultdict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(STATS_FIELDS))
    segments: defaultdict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(STATS_FIELDS))
    choices: defaultdict[tuple[Any, ...], int] = defaultdict(int)
    counts: defaultdict[tuple[Any, ...], int] = defaultdict(int)
    unit_counts: defaultdict[tuple[Any, ...], int] = defaultdict(int)
    for r in Response.objects.all():
        day = timezone.localdate(r.responded_at)
        segment = (r.channel, r.language, r.respondent_type, r.age_band)
        counts[
            (r.organisation_id, day, r.unit_id, r.touchpoint_id or 0, r.survey_id or 0, *segment, r.sentiment)
        ] += 1
        unit_counts[(r.organisation_id, day, r.unit_id, r.touchpoint_id or 0, r.channel)] += 1
    for a in Answer.objects.select_related("response", "item_version"):
        r = a.response
        key = (
            r.organisation_id,
            timezone.localdate(r.responded_at),
            r.unit_id,
            r.touchpoint_id or 0,
            a.item_version_id,
        )
        segment = (r.channel, r.language, r.respondent_type, r.age_band)
        for sums in (items[key], segments[(*key, *segment)]):
            if a.number is not None:
                sums[0] += 1
                sums[1] += a.number
                sums[2] += a.number**2
                sums[3 + a.number - (a.item_version.scale_min or 0)] += 1
            elif a.amount is not None:  # in tenths of a minute, and its range
                steps = int(a.amount * 10)
                sums[0] += 1
                sums[1] += steps
                sums[2] += steps**2
                sums[3 + sum(1 for edge in a.item_version.bucket_edges() if a.amount >= edge)] += 1
            elif a.cant_say:
                sums[STATS_FIELDS.index("cant_say")] += 1
            elif not a.choices and a.text:
                sums[STATS_FIELDS.index("texts")] += 1
        for choice in a.choices or []:
            choices[(*key, *segment, choice)] += 1
        if a.choices:
            items[key][0] += 1
            segments[(*key, *segment)][0] += 1
    return {
        "item": {k: v for k, v in items.items() if any(v)},
        "segment": {k: v for k, v in segments.items() if any(v)},
        "choice": dict(choices),
        "response": dict(counts),
        "unit": dict(unit_counts),
    }


def stored() -> dict[str, dict[tuple[Any, ...], Any]]:
    def table(model: Any, key: list[str], values: list[str]) -> dict[tuple[Any, ...], Any]:
        rows = {}
        for row in model.objects.all():
            measures = [getattr(row, v) for v in values]
            assert any(measures), f"an empty {model.__name__} row was kept"
            rows[tuple(getattr(row, k) for k in key)] = measures if len(values) > 1 else measures[0]
        return rows

    return {
        "item": table(DailyItemStats, ITEM_KEY, STATS_FIELDS),
        "segment": table(DailySegmentStats, SEGMENT_KEY, STATS_FIELDS),
        "choice": table(DailyChoiceCount, CHOICE_KEY, ["count"]),
        "response": table(DailyResponseCount, RESPONSE_KEY, ["count"]),
        "unit": table(DailyUnitCount, UNIT_KEY, ["count"]),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_aggregates_equal_a_fresh_computation_from_raw_responses(
    world: World, publications: list[SurveyPublication], operations: list[tuple[Any, ...]]
) -> None:
    with transaction.atomic():
        run(operations, world, publications)
        expected = from_raw()
        assert stored() == expected
        aggregates.rebuild()
        assert stored() == expected  # the independent rebuild agrees
        transaction.set_rollback(True)  # the next example starts from no responses


def test_a_response_from_the_public_form_is_counted_on_its_local_day(
    world: World, publications: list[SurveyPublication]
) -> None:
    publication = publications[0]
    question = publication.survey.questions.get(item_version__item__code="csat")
    late_evening = datetime(2026, 6, 30, 21, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 on 1 July in Helsinki
    services.submit_response(
        publication,
        services.Submission(answers={question.pk: "4"}, language="fi", responded_at=late_evening),
    )
    row = DailyItemStats.objects.get()
    assert (str(row.day), row.n, row.total, row.c3) == ("2026-07-01", 1, 4, 1)  # CSAT 4 is the 4th point
    assert DailyResponseCount.objects.get().count == 1
