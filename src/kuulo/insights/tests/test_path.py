"""The service path view: figures per touchpoint in path order, the largest drop marked,
the user's units only, and no small touchpoint left to be worked out."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from kuulo.feedback import services
from kuulo.feedback.models import SurveyPublication
from kuulo.feedback.testing import make_survey, send_answers
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for


def publish(world: World, touchpoint: Any, unit: Any) -> SurveyPublication:
    survey = make_survey(world.org, items=("csat",), touchpoint=touchpoint)
    return services.publish_survey(survey, [unit])[0]


def send(world: World, publication: SurveyPublication, values: list[int]) -> None:
    when = timezone.now() - timedelta(days=2)
    send_answers(world.users[Role.ADMIN], publication, [{"csat": v} for v in values], when=when)


def rows_for(world: World, role: str, path_id: int) -> Any:
    page = client_for(world.users[role]).get(f"/dashboards/paths/{path_id}/")
    assert page.status_code == 200
    return page.context["rows"]


def test_scores_follow_the_path_and_the_largest_drop_is_marked(world: World) -> None:
    path = services.create_service_path(
        organisation=world.org,
        code="studies",
        name_fi="Opinnot",
        touchpoints=[
            ("apply", "Haku", "", ""),
            ("start", "Aloitus", "", ""),
            ("graduate", "Valmistuminen", "", ""),
        ],
    )
    apply, start, graduate = path.touchpoints.order_by("order")
    send(world, publish(world, apply, world.unit), [5] * 6)
    send(world, publish(world, start, world.unit), [2] * 6)  # from 5.0 to 2.0: the largest drop
    send(world, publish(world, graduate, world.unit), [4] * 5 + [1] * 2)
    send(world, publish(world, graduate, world.sibling), [1] * 20)  # outside the manager's units

    rows = rows_for(world, Role.MANAGER, path.pk)
    assert [row.touchpoint.code for row in rows] == ["apply", "start", "graduate"]
    assert [row.metrics["csat"].value for row in rows] == [5.0, 2.0, 22 / 7]
    assert [row.drop for row in rows] == [False, True, False]
    assert rows_for(world, Role.ADMIN, path.pk)[2].responses.value == 27  # the admin sees the sibling too


def path_of_three(world: World) -> list[SurveyPublication]:
    path = services.create_service_path(
        organisation=world.org,
        code="p",
        name_fi="P",
        touchpoints=[("a", "A", "", ""), ("b", "B", "", ""), ("c", "C", "", "")],
    )
    return [publish(world, touchpoint, world.unit) for touchpoint in path.touchpoints.order_by("order")]


def test_small_touchpoints_of_a_day_are_hidden(world: World) -> None:
    """A touchpoint with 1 to 4 answers on a day is hidden for every period holding that
    day; two of them (6 together) hide each other, and the third is shown."""
    publications = path_of_three(world)
    for publication, answers in zip(publications, (3, 3, 6), strict=True):
        send(world, publication, [4] * answers)
    rows = rows_for(world, Role.ADMIN, publications[0].survey.touchpoint.service_path_id)
    assert [row.responses.hidden for row in rows] == [True, True, False]
    assert [row.metrics["csat"].hidden for row in rows] == [True, True, False]


def test_a_single_small_touchpoint_takes_the_others_of_its_day_with_it(world: World) -> None:
    """Alone, a small touchpoint would be the unit's total (shown elsewhere) minus the
    others: then every touchpoint of that day is hidden."""
    publications = path_of_three(world)
    for publication, answers in zip(publications, (3, 9, 6), strict=True):
        send(world, publication, [4] * answers)
    rows = rows_for(world, Role.ADMIN, publications[0].survey.touchpoint.service_path_id)
    assert [row.responses.hidden for row in rows] == [True, True, True]
    assert [row.metrics["csat"].hidden for row in rows] == [True, True, True]


def test_another_organisations_path_is_not_found(world: World) -> None:
    path = services.create_service_path(organisation=world.other_org, code="x", name_fi="X", touchpoints=[])
    assert client_for(world.users[Role.ADMIN]).get(f"/dashboards/paths/{path.pk}/").status_code == 404
