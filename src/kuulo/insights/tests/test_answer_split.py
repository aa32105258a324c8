"""A survey's results split by the answer to another question: as a filter (only those who
answered so) and as a cross-tabulation, read from that survey's raw answers, each group
hidden by the rule every split follows (ADR 0011)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db.models import F
from django.db.models.functions import TruncDate
from django.utils import timezone, translation
from django.utils.html import escape

from kuulo.core.days import LocalDay, offset_changes
from kuulo.feedback import services
from kuulo.feedback.models import ItemKind, ItemVersion, Response, Survey
from kuulo.feedback.testing import make_survey, send_answers
from kuulo.insights import results
from kuulo.insights.answer_split import answer_groups
from kuulo.insights.figures import Filters
from kuulo.insights.periods import calendar_period
from kuulo.insights.table import Tree, build
from kuulo.insights.tests.test_survey_results import period, send
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for


def by_question(survey: Survey, code: str) -> ItemVersion:
    return survey.questions.get(item_version__item__code=code).item_version


def own_items(world: World) -> dict[str, ItemVersion]:
    """A single choice, a multiple choice and a number item, and a scale with "can't say"."""
    made = {
        "service": services.create_item(
            organisation=world.org,
            code="service",
            kind=ItemKind.SINGLE_CHOICE,
            dimension="other",
            text_fi="Miten asioit?",
            choices=[{"value": "web", "fi": "Verkossa", "en": "Online"}, {"value": "desk", "fi": "Tiskillä"}],
        ),
        "reached-by": services.create_item(
            organisation=world.org,
            code="reached-by",
            kind=ItemKind.MULTIPLE_CHOICE,
            dimension="other",
            text_fi="Mistä kuulit?",
            choices=[{"value": v, "fi": v} for v in ("web", "friend")],
        ),
        "waiting": services.create_item(
            organisation=world.org,
            code="waiting",
            kind=ItemKind.NUMBER,
            dimension="efficiency",
            text_fi="Kauanko jonotit?",
            number={"lower": 0, "upper": 240, "decimals": 1, "unit_label": {"fi": "min"}},
        ),
        "guidance": services.create_item(
            organisation=world.org,
            code="guidance",
            kind=ItemKind.LIKERT,
            dimension="quality",
            text_fi="Ohjaus",
            scale_min=1,
            scale_max=4,
            cant_say=True,
        ),
    }
    return {code: item.versions.get() for code, item in made.items()}


@pytest.fixture
def survey(world: World) -> Survey:
    survey = make_survey(world.org, items=("csat", "resolved", "nps"))
    for version in own_items(world).values():
        services.add_question(survey, version)
    services.publish_survey(survey, [world.unit, world.sibling])
    return survey


def test_each_group_of_the_answer_and_the_rest_by_the_differencing_rule(world: World, survey: Survey) -> None:
    link = survey.publications.get(unit=world.unit)
    send(world, link, [{"csat": 5, "resolved": 1}] * 6 + [{"csat": 2, "resolved": 0}] * 6)
    resolved = by_question(survey, "resolved")
    csat = results.survey_results(survey, world.unit, period(), threshold=5, by=resolved)[0]
    with translation.override("en"):
        assert [
            (str(group_label), cell.value, cell.n) for _k, group_label, cell, _shares in csat.breakdown
        ] == [
            ("Yes", 5.0, 6),
            ("No", 2.0, 6),
        ]
    # The cross-tabulation: CSAT's distribution in % within each group.
    assert [shares for _k, _label, _cell, shares in csat.breakdown] == [
        [0, 0, 0, 0, 100.0],
        [0, 100.0, 0, 0, 0],
    ]
    # Two more at the touchpoint who did not say: the whole minus both groups would be those
    # two, so no group is shown (and the whole still is).
    send(world, link, [{"csat": 1}] * 2)
    csat = results.survey_results(survey, world.unit, period(), threshold=5, by=resolved)[0]
    assert csat.figure is not None and csat.figure.shown and csat.figure.n == 14
    assert [(cell.hidden, cell.value, shares) for _k, _label, cell, shares in csat.breakdown] == [
        (True, None, None)
    ] * 2
    # With three more who did not say, the rest is five: both groups shown again.
    send(world, link, [{"csat": 1}] * 3)
    csat = results.survey_results(survey, world.unit, period(), threshold=5, by=resolved)[0]
    assert [cell.value for _k, _label, cell, _s in csat.breakdown] == [5.0, 2.0]
    # A group is hidden wherever the touchpoint's cell is: the sibling's small day hides the
    # root's cell for days (it is shown for whole months), and every group with it.
    send(world, survey.publications.get(unit=world.sibling), [{"csat": 3, "resolved": 1}] * 3)
    root = results.survey_results(survey, world.root, period(), threshold=5, by=resolved)[0]
    assert root.figure is not None and root.figure.hidden and root.figure.shown_for == "months"
    assert [(c.hidden, c.shown_for) for _k, _label, c, _s in root.breakdown] == [(True, "months")] * 2


def test_a_small_group_shows_every_group_for_whole_months(world: World, survey: Survey) -> None:
    """A day with a small group (or rest) is a small day of the split: its blocks are
    longer, and every group is shown over them, here for the whole month (ADR 0011)."""
    today = timezone.localdate()
    first, last = calendar_period("month", today)  # the last whole month
    noon = timezone.localtime().replace(hour=12, minute=0)
    link = survey.publications.get(unit=world.unit)
    yes, no, other = {"csat": 5, "resolved": 1}, {"csat": 2, "resolved": 0}, {"csat": 1}
    for day, answers in (
        (first + timedelta(days=3), [yes] * 6 + [no] * 3 + [other] * 5),
        (first + timedelta(days=10), [no] * 3 + [other] * 2),
    ):
        send_answers(world.users[Role.ADMIN], link, answers, when=noon - timedelta(days=(today - day).days))
    resolved = by_question(survey, "resolved")
    cut = Filters(start=first, end=first + timedelta(days=20))
    csat = results.survey_results(survey, world.unit, cut, threshold=5, by=resolved)[0]
    assert csat.figure is not None and csat.figure.shown  # no day of the unit's was small
    assert [(c.hidden, c.shown_for) for _k, _label, c, _s in csat.breakdown] == [(True, "months")] * 2
    month = Filters(start=first, end=last)
    csat = results.survey_results(survey, world.unit, month, threshold=5, by=resolved)[0]
    assert [(c.value, c.n) for _k, _label, c, _s in csat.breakdown] == [(5.0, 6), (2.0, 6)]
    # Three who said "no" beside six who said "yes" and nobody else: never shown apart.
    sibling = survey.publications.get(unit=world.sibling)
    send(world, sibling, [yes] * 6 + [no] * 3)
    csat = results.survey_results(survey, world.sibling, period(), threshold=5, by=resolved)[0]
    assert csat.figure is not None and csat.figure.value == pytest.approx(4.0)
    assert [c.hidden for _k, _label, c, _s in csat.breakdown] == [True, True]


def test_the_rest_counts_other_surveys_at_the_touchpoint(world: World, survey: Survey) -> None:
    link = survey.publications.get(unit=world.unit)
    send(world, link, [{"csat": 5, "resolved": 1}] * 6 + [{"csat": 2, "resolved": 0}] * 6)
    other = make_survey(world.org, items=("csat",), touchpoint=survey.touchpoint)
    send(world, services.publish_survey(other, [world.unit])[0], [{"csat": 3}] * 2)
    csat = results.survey_results(
        survey, world.unit, period(), threshold=5, by=by_question(survey, "resolved")
    )[0]
    assert csat.figure is not None and csat.figure.n == 14  # the touchpoint's cell holds both surveys
    assert all(cell.hidden for _k, _label, cell, _s in csat.breakdown)  # 14 − 6 − 6 = 2 would be told


def test_only_one_groups_respondents_for_every_question_kind(world: World, survey: Survey) -> None:
    """When everyone is in the group, each question's figure, distribution, trend and units
    equal the whole's: the raw answers are summed as the aggregates sum them."""
    link = survey.publications.get(unit=world.unit)
    answers = [
        {
            "csat": 4,
            "resolved": 1,
            "nps": 9,
            "service": "web",
            "reached-by": ["web", "friend"],
            "waiting": "12.5",
        },
        {
            "csat": 5,
            "resolved": 1,
            "nps": 10,
            "service": "web",
            "reached-by": ["web"],
            "guidance": 3,
            "waiting": "120",
        },
        {"csat": 3, "resolved": 1, "nps": 6, "service": "desk", "waiting": "0.3", "guidance": "cant_say"},
    ] * 3
    send(world, link, answers)
    send(world, link, answers[:2], days_ago=9)
    whole = results.survey_results(survey, world.root, period(), threshold=5)
    only = results.survey_results(
        survey, world.root, period(), threshold=5, by=by_question(survey, "resolved"), only="1"
    )
    assert len(whole) == len(only) == 7
    for one, all_ in zip(only, whole, strict=True):
        assert one.figure is not None and all_.figure is not None
        assert (one.figure.value, one.figure.n, one.figure.interval) == (
            all_.figure.value,
            all_.figure.n,
            all_.figure.interval,
        )
        assert (one.distribution, one.cant_say, one.percentiles) == (
            all_.distribution,
            all_.cant_say,
            all_.percentiles,
        )
        assert one.trend == all_.trend
        assert [(u, c.value) for u, c in one.by_unit] == [(u, c.value) for u, c in all_.by_unit]
    # "No" has nobody: every figure of that group is empty, not hidden.
    nobody = results.survey_results(
        survey, world.root, period(), threshold=5, by=by_question(survey, "resolved"), only="0"
    )
    assert all(r.figure is not None and r.figure.n == 0 and not r.figure.hidden for r in nobody)


def test_groups_of_nps_choices_and_scales(world: World, survey: Survey) -> None:
    versions = {code: by_question(survey, code) for code in ("service", "reached-by", "waiting", "guidance")}
    with translation.override("en"):
        assert [(g.key, str(g.label)) for g in answer_groups(by_question(survey, "nps"))] == [
            ("detractors", "Detractors (0–6)"),
            ("passives", "Passives (7–8)"),
            ("promoters", "Promoters (9–10)"),
        ]
        assert [(g.key, g.label) for g in answer_groups(versions["service"])] == [
            ("web", "Online"),
            ("desk", "Tiskillä"),
        ]
    assert [(g.key, g.label) for g in answer_groups(versions["guidance"])] == [
        ("low", "1–2"),
        ("high", "3–4"),
    ]
    assert [(g.key, g.label, sorted(g.values)) for g in answer_groups(by_question(survey, "csat"))] == [
        ("low", "1–2", [1, 2]),
        ("middle", "3", [3]),
        ("high", "4–5", [4, 5]),
    ]
    # A respondent may pick several choices: groups would overlap. Numbers and text: no groups.
    assert answer_groups(versions["reached-by"]) == answer_groups(versions["waiting"]) == []
    link = survey.publications.get(unit=world.unit)
    send(
        world,
        link,
        [{"csat": 5, "nps": 10, "service": "web"}] * 5 + [{"csat": 2, "nps": 3, "service": "desk"}] * 5,
    )
    nps = results.survey_results(survey, world.unit, period(), threshold=5, by=versions["service"])[2]
    assert [(key, cell.value) for key, _label, cell, _s in nps.breakdown] == [
        ("web", 100.0),
        ("desk", -100.0),
    ]
    csat = results.survey_results(survey, world.unit, period(), threshold=5, by=by_question(survey, "nps"))[0]
    assert [(key, cell.value) for key, _label, cell, _s in csat.breakdown] == [
        ("detractors", 2.0),
        ("passives", None),
        ("promoters", 5.0),
    ]


def test_the_page_breaks_down_or_filters_but_not_both(world: World, survey: Survey) -> None:
    link = survey.publications.get(unit=world.unit)
    send(world, link, [{"csat": 5, "resolved": 1}] * 6 + [{"csat": 2, "resolved": 0}] * 6)
    resolved = survey.questions.get(item_version__item__code="resolved")
    staff = client_for(world.users[Role.STAFF])
    page = staff.get(f"/dashboards/surveys/{survey.pk}/?by={resolved.pk}")
    assert page.status_code == 200
    _result, _trend, _chart, (columns, rows, hidden) = page.context["rows"][0]
    assert columns == ["1", "2", "3", "4", "5"] and not hidden
    assert [(cell.value, shares[-1], only) for _g, cell, shares, only in rows] == [
        (5.0, 100.0, f"{resolved.pk}:1"),
        (2.0, 0.0, f"{resolved.pk}:0"),
    ]
    html = page.content.decode()
    assert f"only={resolved.pk}%3A1" in html or f"only={resolved.pk}:1" in html
    only = staff.get(f"/dashboards/surveys/{survey.pk}/?only={resolved.pk}:0&unit={world.unit.pk}")
    first = only.context["rows"][0][0]
    assert first.figure.value == 2.0 and first.figure.n == 6 and only.context["only"].key == "0"
    both = staff.get(f"/dashboards/surveys/{survey.pk}/?by={resolved.pk}&only={resolved.pk}:0")
    errors = both.context["form"].non_field_errors()
    assert len(errors) == 1 and escape(errors[0]) in both.content.decode()
    assert both.context["rows"][0][0].breakdown == []  # an invalid form shows the whole
    # A question of another survey is not a choice here.
    other = make_survey(world.org, items=("resolved",)).questions.get()
    assert staff.get(f"/dashboards/surveys/{survey.pk}/?by={other.pk}").context["rows"][0][0].breakdown == []


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 28, 21, 59, 59, tzinfo=UTC),  # 23:59:59 local (+2)
        datetime(2026, 3, 28, 22, 0, 0, tzinfo=UTC),  # midnight local
        datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),  # just before summer time
        datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC),  # 04:00 local (+3)
        datetime(2026, 3, 29, 20, 59, 59, tzinfo=UTC),  # 23:59:59 local (+3)
        datetime(2026, 3, 29, 21, 0, 0, tzinfo=UTC),  # midnight local
        datetime(2026, 10, 24, 21, 0, 0, tzinfo=UTC),  # midnight local (+3)
        datetime(2026, 10, 25, 0, 59, 59, tzinfo=UTC),  # before winter time
        datetime(2026, 10, 25, 22, 0, 0, tzinfo=UTC),  # midnight local (+2)
        datetime(2026, 10, 25, 21, 59, 59, tzinfo=UTC),
    ],
)
def test_the_local_day_in_sql_is_the_local_day(world: World, survey: Survey, moment: datetime) -> None:
    send_answers(
        world.users[Role.ADMIN], survey.publications.get(unit=world.unit), [{"csat": 3}], when=moment
    )
    first, last = moment.date() - timedelta(days=40), moment.date() + timedelta(days=40)
    found = Response.objects.annotate(
        mine=LocalDay(F("responded_at"), first, last),
        django=TruncDate("responded_at", tzinfo=timezone.get_current_timezone()),
    ).values_list("mine", "django")
    assert list(found) == [(timezone.localdate(moment), timezone.localdate(moment))]


def test_the_offsets_change_at_the_hour_daylight_saving_starts_and_ends() -> None:
    changes = offset_changes(date(2026, 1, 1), date(2026, 12, 31))
    assert [(at.isoformat(), offset.total_seconds() / 3600) for at, offset in changes] == [
        ("2026-01-01T00:00:00+00:00", 2.0),
        ("2026-03-29T01:00:00+00:00", 3.0),
        ("2026-10-25T01:00:00+00:00", 2.0),
    ]


def test_a_segment_breaks_down_the_questions_asked_only_here(world: World, survey: Survey) -> None:
    """By channel: the one table's cells split by channel alone, for the questions no
    survey at another touchpoint asks; the others say why they are not broken down."""
    link = survey.publications.get(unit=world.unit)
    for channel, guidance in (("qr", 4), ("link", 2)):
        send_answers(
            world.users[Role.ADMIN],
            link,
            [{"csat": 5, "guidance": guidance}] * 6,
            when=timezone.now() - timedelta(days=2),
            channel=channel,
        )
    elsewhere = make_survey(world.org, items=("csat",))  # another touchpoint asks CSAT too
    services.publish_survey(elsewhere, [world.unit])
    found = results.survey_results(survey, world.root, period(), threshold=5, segment="channel")
    by_code = {result.version.item.code: result for result in found}
    assert by_code["csat"].asked_elsewhere and by_code["csat"].breakdown == []
    with translation.override("en"):
        asked_here = results.survey_results(survey, world.root, period(), threshold=5, segment="channel")[6]
        assert [(str(label), cell.value, shares) for _k, label, cell, shares in asked_here.breakdown] == [
            ("Link", 2.0, [0, 100.0, 0, 0]),
            ("QR code", 4.0, [0, 0, 0, 100.0]),
        ]
    split = build(
        Tree.of(world.org.pk),
        replace(period(), channel="qr", organisation_id=world.org.pk),
        5,
        {"g": by_question(survey, "guidance")},
        counts=False,
    )
    assert split.row(world.root.pk, channel="qr").metrics["g"].value == 4.0
    page = client_for(world.users[Role.STAFF]).get(f"/dashboards/surveys/{survey.pk}/?by=channel")
    assert page.context["segment"] and page.context["rows"][6][3][1][0][1].value == 2.0
