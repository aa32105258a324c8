"""The service path view: figures per touchpoint in path order, the largest drop marked,
the user's units only, and no single hidden touchpoint left to be worked out."""

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


def test_a_single_hidden_touchpoint_takes_another_with_it(world: World) -> None:
    path = services.create_service_path(
        organisation=world.org,
        code="p",
        name_fi="P",
        touchpoints=[("a", "A", "", ""), ("b", "B", "", ""), ("c", "C", "", "")],
    )
    a, b, c = path.touchpoints.order_by("order")
    send(world, publish(world, a, world.unit), [4] * 3)  # under the threshold
    send(world, publish(world, b, world.unit), [4] * 9)
    send(world, publish(world, c, world.unit), [4] * 6)
    rows = rows_for(world, Role.ADMIN, path.pk)
    assert [row.responses.hidden for row in rows] == [
        True,
        False,
        True,
    ]  # the unit's total is shown elsewhere
    assert [row.metrics["csat"].hidden for row in rows] == [True, False, True]


def test_another_organisations_path_is_not_found(world: World) -> None:
    path = services.create_service_path(organisation=world.other_org, code="x", name_fi="X", touchpoints=[])
    assert client_for(world.users[Role.ADMIN]).get(f"/dashboards/paths/{path.pk}/").status_code == 404
