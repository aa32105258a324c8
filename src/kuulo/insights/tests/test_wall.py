"""The successes wall: comments of satisfied customers only, from the user's units, and
only from days on which the unit's comments are enough for comments to be shown."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from kuulo.feedback import services
from kuulo.feedback.testing import make_publication, send_answers
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for, make_unit


def send(world: World, unit: Any, answers: list[dict[str, Any]]) -> None:
    publication = make_publication(unit, items=("csat", "open"))
    when = timezone.now() - timedelta(days=2)
    send_answers(world.users[Role.ADMIN], publication, answers, when=when)


def test_the_wall_shows_praise_from_large_enough_groups_in_ones_units(world: World) -> None:
    send(
        world, world.unit, [{"csat": 5, "open": "Upeaa palvelua!"}] * 6 + [{"csat": 1, "open": "Huonoa."}] * 6
    )
    send(world, world.sibling, [{"csat": 5, "open": "Sisarelta kiitos"}] * 12)
    send(
        world, make_unit(world.org, parent=world.area, code="small"), [{"csat": 5, "open": "Pieni ryhmä"}] * 3
    )
    services.record_verbal_feedback(
        recorded_by=world.users[Role.ADMIN],
        unit=world.unit,
        touchpoint=None,
        sentiment="positive",
        text="Kiitti!",
        heard_at=timezone.now() - timedelta(days=2),  # its day over, with the unit's twelve
    )
    texts = [
        a.text for a in client_for(world.users[Role.MANAGER]).get("/dashboards/wall/").context["comments"]
    ]
    # No complaints, nothing from the sibling, nothing from a group of three.
    assert sorted(set(texts)) == ["Kiitti!", "Upeaa palvelua!"]
    small = client_for(world.users[Role.MANAGER]).get("/dashboards/wall/?channel=kiosk").context["comments"]
    assert small == []  # no kiosk responses: no group, no comments
