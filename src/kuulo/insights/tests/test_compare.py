"""Comparing a unit with similar units: rank among the same type, peers and the rest of the
organisation only blended (never fewer than three units), and the differing items first."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kuulo.feedback.testing import make_publication, send_answers
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for, make_unit, make_unit_type, make_user


def send(world: World, unit: Any, answers: list[dict[str, Any]]) -> None:
    publication = make_publication(unit, items=("csat", "resolved"))
    when = timezone.now() - timedelta(days=3)
    send_answers(world.users[Role.ADMIN], publication, answers, when=when)


def compared(world: World, role: str, unit: Any) -> dict[str, Any]:
    page = client_for(world.users[role]).get(f"/dashboards/units/{unit.pk}/compare/")
    assert page.status_code == 200
    return {item.version.item.code: item for item in page.context["items"]}


def test_a_unit_is_ranked_among_its_type_and_the_difference_tested(world: World) -> None:
    campus = make_unit_type(world.org, code="campus")
    mine, *others = [
        make_unit(world.org, parent=world.root, unit_type=campus, code=f"c{i}") for i in range(4)
    ]
    send(world, mine, [{"csat": 5, "resolved": 1}] * 20)
    for other, value in zip(others, (2, 3, 4), strict=True):
        send(world, other, [{"csat": value, "resolved": 1}] * 20)
    items = compared(world, Role.ADMIN, mine)
    csat = items["csat"]
    assert (csat.unit.value, csat.peers.value, csat.rank, csat.ranked) == (5.0, 3.0, 1, 4)
    assert csat.difference == 2.0 and csat.significant
    assert items["resolved"].difference == 0 and not items["resolved"].significant
    assert list(items) == ["csat", "resolved"]  # what makes the difference comes first


def test_fewer_than_three_peers_are_never_shown_blended(world: World) -> None:
    campus = make_unit_type(world.org, code="campus")
    mine = make_unit(world.org, parent=world.root, unit_type=campus, code="mine")
    other = make_unit(world.org, parent=world.root, unit_type=campus, code="other")
    send(world, mine, [{"csat": 4}] * 10)
    send(world, other, [{"csat": 1}] * 10)  # one peer: its figure would be shown as "peers"
    csat = compared(world, Role.ADMIN, mine)["csat"]
    assert csat.peers.value is None and csat.rank is None and csat.difference is None
    # The rest of the organisation is that one unit: shown to whoever sees it anyway…
    assert csat.organisation.value == 1.0
    # …but not to a manager of this unit alone, who could not open it.
    world.users[Role.MANAGER] = make_user(world.org, Role.MANAGER, mine)
    assert compared(world, Role.MANAGER, mine)["csat"].organisation.value is None


def test_comparison_needs_access_to_the_unit(world: World) -> None:
    assert (
        client_for(world.users[Role.MANAGER])
        .get(f"/dashboards/units/{world.sibling.pk}/compare/")
        .status_code
        == 404
    )
    assert (
        client_for(world.users[Role.MANAGER]).get(f"/dashboards/units/{world.unit.pk}/compare/").status_code
        == 200
    )


def test_a_blend_never_leaves_one_or_two_unseen_units_to_work_out(world: World) -> None:
    team = make_unit_type(world.org, code="team")
    mine, seen_b, seen_c = [
        make_unit(world.org, parent=world.area, unit_type=team, code=f"t{i}") for i in range(3)
    ]
    unseen = make_unit(world.org, parent=world.sibling, unit_type=team, code="t-unseen")
    for unit, value in ((mine, 5), (seen_b, 3), (seen_c, 4), (unseen, 1)):
        send(world, unit, [{"csat": value}] * 10)
    # The manager sees the area's teams: peers minus the two they see would give the third.
    for_manager = compared(world, Role.MANAGER, mine)["csat"]
    assert for_manager.peers.value is None and for_manager.rank is None
    assert for_manager.organisation.value is None  # the rest is the same kind of blend
    # The admin sees every team anyway: nothing is revealed by blending them.
    for_admin = compared(world, Role.ADMIN, mine)["csat"]
    assert for_admin.peers.value == pytest.approx((3 + 4 + 1) / 3) and for_admin.rank == 1


def test_the_rest_of_the_organisation_is_never_a_small_group_the_user_cannot_open(world: World) -> None:
    campus = make_unit_type(world.org, code="campus")
    mine = make_unit(world.org, parent=world.root, unit_type=campus, code="mine")
    others = [make_unit(world.org, parent=world.root, unit_type=campus, code=f"o{i}") for i in range(3)]
    send(world, mine, [{"csat": 4}] * 10)
    for other in others:
        send(world, other, [{"csat": 2}] * 1)  # three units, three people: a small group together
    world.users[Role.MANAGER] = make_user(world.org, Role.MANAGER, mine)
    assert compared(world, Role.MANAGER, mine)["csat"].organisation.value is None
    for other in others:
        send(world, other, [{"csat": 2}] * 1)  # six people in three units: two a day in each,
    assert compared(world, Role.MANAGER, mine)["csat"].organisation.value is None  # still small days
    for other in others:
        send(world, other, [{"csat": 2}] * 3)  # fifteen people, five in each unit that day
    assert compared(world, Role.MANAGER, mine)["csat"].organisation.value == 2.0
