"""Test data for the improvements domain."""

from typing import Any

from kuulo.feedback.models import Item, Response
from kuulo.organisations.access import Permission
from kuulo.organisations.models import Unit
from kuulo.organisations.testing import AccessFixtures, Canary, CanaryKind

from . import services
from .models import Action, ActionStatus

ACCESS_FIXTURES: AccessFixtures = {
    "action_id": lambda scope: (
        Action.objects.create(organisation=scope.organisation, unit=scope.unit, title="A").pk
    ),
}


def _canary_unit(world: Any, unit: Unit, admin: Any) -> None:
    title = world.canary_text(unit.code, "ACTION")
    action = services.save_action(Action(), user=admin, unit=unit, title=title, status=ActionStatus.PLANNED)
    world.mark("ACTION", unit.code, action)
    world.name(unit, action_id=action.pk)


CANARY = Canary(
    kinds={"ACTION": CanaryKind(Permission.VIEW_INSIGHTS)},  # improvement action title
    unit=_canary_unit,
    # The action form pre-filled from a link: a metric (?item=) and a comment (?comment=).
    id_parameters={"item": Item, "comment": Response},
)
