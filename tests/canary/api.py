"""Valid bodies for the API's POST operations (each app's `CANARY.api_bodies`), naming
objects the check chooses."""

import json
from typing import Any

from django.db.models import Model

from kuulo.organisations.models import Unit
from kuulo.organisations.testing import ApiBody, canaries

from .world import CanaryWorld

API_BODIES: dict[str, ApiBody] = {
    name: body for canary in canaries() for name, body in canary.api_bodies.items()
}


def objects_for(body: ApiBody, world: CanaryWorld, of: Unit, **others: Unit) -> dict[str, Model]:
    """`of`'s objects for the body's refs, or for the refs in `others`, theirs."""
    return {ref: object_of(world, others.get(ref, of)) for ref, object_of in body.refs.items()}


def body_json(body: ApiBody, objects: dict[str, Any]) -> str:
    return json.dumps(body.body(objects))
