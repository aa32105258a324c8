"""Test data for the improvements domain."""

from kuulo.organisations.testing import AccessFixtures

from .models import Action

ACCESS_FIXTURES: AccessFixtures = {
    "action_id": lambda scope: (
        Action.objects.create(organisation=scope.organisation, unit=scope.unit, title="A").pk
    ),
}
