"""An action is marked "effect measured" only once its measurement window is over and its
metric is shown before and after it (the before-and-after the unit page shows)."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kuulo.feedback.testing import make_publication, send_answers
from kuulo.improvements import services
from kuulo.improvements.models import Action, ActionStatus
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for


@pytest.fixture(autouse=True)
def _english(world: World) -> Iterator[None]:
    for user in world.users.values():
        user.language = "en"
        user.save(update_fields=["language"])
    with translation.override("en"):
        yield


def done_action(world: World, days_ago: int) -> Action:
    action = services.save_action(
        Action(),
        user=world.users[Role.ADMIN],
        unit=world.unit,
        title="Takaisinsoitto",
        status=ActionStatus.DONE,
    )
    Action.objects.filter(pk=action.pk).update(done_on=timezone.localdate() - timedelta(days=days_ago))
    action.refresh_from_db()
    return action


def answers(world: World, days_ago: int, count: int) -> None:
    publication = make_publication(world.unit, items=("csat",))
    when = timezone.now() - timedelta(days=days_ago)
    send_answers(world.users[Role.ADMIN], publication, [{"csat": 4}] * count, when=when)


def test_not_before_the_window_is_over(world: World) -> None:
    action = done_action(world, days_ago=10)
    with pytest.raises(ValidationError, match="can be measured from"):
        services.move_action(action, user=world.users[Role.MANAGER], step=1)
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE


def test_not_without_enough_responses_on_both_sides(world: World) -> None:
    answers(world, days_ago=35, count=6)  # after the action only
    action = done_action(world, days_ago=40)
    with pytest.raises(ValidationError, match="Too few responses"):
        services.move_action(action, user=world.users[Role.MANAGER], step=1)
    answers(world, days_ago=50, count=2)  # a small group before it: hidden
    with pytest.raises(ValidationError, match="Too few responses"):
        services.move_action(action, user=world.users[Role.MANAGER], step=1)


def test_measured_once_the_figures_show_it(world: World) -> None:
    answers(world, days_ago=50, count=6)
    answers(world, days_ago=35, count=6)
    action = done_action(world, days_ago=40)
    services.move_action(action, user=world.users[Role.MANAGER], step=1)
    action.refresh_from_db()
    assert action.status == ActionStatus.MEASURED


def test_the_form_and_the_board_say_why_not(world: World) -> None:
    action = done_action(world, days_ago=3)
    client = client_for(world.users[Role.MANAGER])
    page = client.post(
        f"/actions/{action.pk}/", {"title": action.title, "unit": world.unit.pk, "status": "measured"}
    )
    assert page.status_code == 200 and "can be measured from" in page.content.decode()
    moved = client.post(f"/actions/{action.pk}/move/", {"step": "next"}, follow=True)
    assert "can be measured from" in moved.content.decode()
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    with pytest.raises(ValidationError):  # never straight to measured
        services.save_action(
            Action(), user=world.users[Role.ADMIN], unit=world.unit, title="X", status="measured"
        )
