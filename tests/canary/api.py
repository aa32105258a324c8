"""Valid bodies for the API's POST operations, naming objects the check chooses."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Model
from django.utils import timezone

from kuulo.organisations.access import Permission
from kuulo.organisations.models import Unit

from .world import CanaryWorld


@dataclass(frozen=True)
class ApiBody:
    """A valid body for a POST operation, and the permission it needs in the units it names.
    `refs` tells, for each object the body names (a link, a unit, a touchpoint), which
    object of a unit it is."""

    permission: Permission
    refs: dict[str, Callable[[CanaryWorld, Unit], Model]]
    body: Callable[[dict[str, Any]], dict[str, Any]]

    def objects(self, world: CanaryWorld, of: Unit, **others: Unit) -> dict[str, Model]:
        """`of`'s objects, or for the refs in `others`, theirs."""
        return {ref: object_of(world, others.get(ref, of)) for ref, object_of in self.refs.items()}

    def json(self, objects: dict[str, Model]) -> str:
        return json.dumps(self.body(objects))


API_BODIES = {
    "post_responses": ApiBody(
        Permission.SUBMIT_RESPONSES,
        {"link": lambda world, unit: world.publications[unit.pk]},
        lambda of: {"link": of["link"].code, "answers": {"csat": 4}},
    ),
    "post_service_volumes": ApiBody(
        Permission.RECORD_VOLUMES,
        {
            "unit": lambda world, unit: unit,
            "touchpoint": lambda world, unit: world.publications[unit.pk].survey.touchpoint,
        },
        lambda of: {
            "volumes": [
                {
                    "unit": of["unit"].code,
                    "touchpoint": f"{of['touchpoint'].service_path.code}.{of['touchpoint'].code}",
                    "date": str(timezone.localdate() - timedelta(days=1)),
                    "customers_served": 1,
                }
            ]
        },
    ),
}
