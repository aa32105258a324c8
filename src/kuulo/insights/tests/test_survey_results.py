"""A survey's results page: every question with its distribution, its figure and 95 %
interval, its trend and the units below, read at the survey's touchpoint through the one
suppressed table; drill-down stays inside the user's units."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from kuulo.feedback import services
from kuulo.feedback.models import Survey
from kuulo.feedback.testing import make_publication, make_survey, send_answers
from kuulo.insights import results
from kuulo.insights.figures import Filters
from kuulo.insights.stats import Summary
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for


def send(world: World, publication: Any, answers: list[dict[str, Any]], days_ago: int = 2) -> None:
    send_answers(
        world.users[Role.ADMIN], publication, answers, when=timezone.now() - timedelta(days=days_ago)
    )


def period() -> Filters:
    today = timezone.localdate()
    return Filters(start=today - timedelta(days=27), end=today)


@pytest.fixture
def survey(world: World) -> Survey:
    survey = make_survey(world.org, items=("csat", "resolved", "open"))
    services.publish_survey(survey, [world.unit, world.sibling])
    return survey


def publication(survey: Survey, unit: Any) -> Any:
    return survey.publications.get(unit=unit)


def test_every_question_with_its_distribution_interval_and_units(world: World, survey: Survey) -> None:
    answers = (
        [{"csat": 5, "resolved": 1}] * 4 + [{"csat": 4, "resolved": 1}] * 3 + [{"csat": 2, "resolved": 0}] * 3
    )
    send(world, publication(survey, world.unit), answers)
    send(world, publication(survey, world.sibling), [{"csat": 3, "resolved": 0}] * 2)  # a small group
    # Another survey at another touchpoint asks the same CSAT version: not this survey's answers.
    other = make_publication(world.unit, items=("csat",))
    send(world, other, [{"csat": 1}] * 6)

    csat, resolved, text = results.survey_results(survey, world.area, period(), threshold=5)
    assert csat.figure is not None and csat.figure.n == 10
    assert csat.figure.value == pytest.approx((5 * 4 + 4 * 3 + 2 * 3) / 10)
    expected = Summary(10, 38, 25 * 4 + 16 * 3 + 4 * 3, (0, 3, 0, 3, 4), 1, 5).mean_interval()
    assert csat.figure.interval == pytest.approx(expected)
    assert csat.distribution == [("1", 0, 0.0), ("2", 3, 30.0), ("3", 0, 0.0), ("4", 3, 30.0), ("5", 4, 40.0)]
    assert resolved.figure is not None and resolved.figure.value == pytest.approx(70.0)  # share of yes
    assert text.figure is None  # open answers: read as comments
    # The area's units: a-unit is shown; a-area has no other unit below it.
    assert [(unit.code, cell.value) for unit, cell in csat.by_unit] == [("a-unit", pytest.approx(3.8))]

    sibling = results.survey_results(survey, world.sibling, period(), threshold=5)[0]
    assert sibling.figure is not None and sibling.figure.hidden and sibling.figure.interval is None
    assert sibling.distribution == []  # nothing of a hidden figure, not even its distribution
    root = results.survey_results(survey, world.root, period(), threshold=5)[0]
    # The root holds both; its sibling part is hidden in the by-unit table.
    assert root.figure is not None and root.figure.n == 12
    assert {unit.code: cell.hidden for unit, cell in root.by_unit} == {"a-area": False, "a-sibling": True}


def test_the_page_for_each_role_and_drill_down_stays_in_scope(world: World, survey: Survey) -> None:
    send(world, publication(survey, world.unit), [{"csat": 5, "resolved": 1}] * 6)
    staff = client_for(world.users[Role.STAFF])  # role in a-unit
    page = staff.get(f"/dashboards/surveys/{survey.pk}/")
    assert page.status_code == 200 and page.context["unit"] == world.unit
    assert "95" in page.content.decode()
    assert staff.get(f"/dashboards/surveys/{survey.pk}/?unit={world.sibling.pk}").status_code == 404
    assert staff.get(f"/dashboards/surveys/{survey.pk}/?unit={world.area.pk}").status_code == 404
    admin = client_for(world.users[Role.ADMIN])
    assert admin.get(f"/dashboards/surveys/{survey.pk}/?unit={world.area.pk}").context["parent"] == world.root
    listing = staff.get("/dashboards/surveys/")
    assert list(listing.context["surveys"]) == [survey]
    other = client_for(world.users["other_admin"])
    assert other.get(f"/dashboards/surveys/{survey.pk}/").status_code == 404


def test_a_survey_on_a_sibling_units_own_path_is_neither_listed_nor_shown(world: World) -> None:
    path = services.create_service_path(
        organisation=world.org,
        code="own",
        name_fi="Oma",
        unit=world.sibling,
        touchpoints=[("visit", "Käynti", "", "")],
    )
    own = make_survey(world.org, touchpoint=path.touchpoints.get())
    services.publish_survey(own, [world.sibling])
    staff = client_for(world.users[Role.STAFF])
    assert own not in staff.get("/dashboards/surveys/").context["surveys"]
    assert staff.get(f"/dashboards/surveys/{own.pk}/").status_code == 404
    assert client_for(world.users[Role.ADMIN]).get(f"/dashboards/surveys/{own.pk}/").status_code == 200


def test_a_choice_question_shows_its_picks_under_its_respondents(world: World) -> None:
    item = services.create_item(
        organisation=world.org,
        code="reached-by",
        kind="multiple_choice",
        dimension="other",
        text_fi="Miten asioit?",
        choices=[
            {"value": "web", "fi": "Verkossa", "en": "Online"},
            {"value": "phone", "fi": "Puhelimessa", "en": "By phone"},
            {"value": "visit", "fi": "Paikan päällä", "en": "In person"},
        ],
    )
    survey = make_survey(world.org, items=("csat",))
    services.add_question(survey, item.versions.get())
    link = services.publish_survey(survey, [world.unit, world.sibling])
    send(world, link[0], [{"reached-by": ["web", "phone"]}] * 3 + [{"reached-by": ["web"]}] * 3)
    send(world, link[1], [{"reached-by": ["visit"]}] * 2)  # a small group
    with translation.override("en"):
        choice = results.survey_results(survey, world.unit, period(), threshold=5)[1]
        assert choice.choices and choice.respondents.value == 6
        assert choice.distribution == [("Online", 6, 100.0), ("By phone", 3, 50.0), ("In person", 0, 0.0)]
        assert choice.trend == [] and choice.by_unit == []  # no mean to follow or compare
        sibling = results.survey_results(survey, world.sibling, period(), threshold=5)[1]
        assert sibling.respondents.hidden and sibling.distribution == []
    # A choice question has no mean: it is never among a unit page's items to compare.
    from kuulo.insights.metrics import _answered_versions

    assert item.versions.get() not in _answered_versions([world.unit.pk], period())


def test_the_migration_counts_choice_respondents_written_before(world: World) -> None:
    import importlib

    from django.apps import apps

    from kuulo.insights.models import DailyItemStats

    migration = importlib.import_module("kuulo.insights.migrations.0007_choice_respondents")
    item = services.create_item(
        organisation=world.org,
        code="campus",
        kind="single_choice",
        dimension="other",
        text_fi="Kampus",
        choices=[{"value": "a", "fi": "A"}, {"value": "b", "fi": "B"}],
    )
    survey = make_survey(world.org, items=())
    services.add_question(survey, item.versions.get())
    send(world, services.publish_survey(survey, [world.unit])[0], [{"campus": "a"}] * 4)
    rows = DailyItemStats.objects.filter(item_version_id=item.versions.get().pk)
    assert [row.n for row in rows] == [4]
    rows.update(n=0)  # as the aggregates were before choices counted their respondents
    migration.count_choice_respondents(apps, None)
    assert [row.n for row in rows.all()] == [4]
