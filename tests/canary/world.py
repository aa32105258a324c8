"""The canary world: the access tests' two organisations with marked objects in every unit."""

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from django.db.models import Model
from django.test import Client

from kuulo.organisations import services as organisations
from kuulo.organisations.access import api_key_permissions
from kuulo.organisations.models import ApiKey, Role, RoleAssignment, Unit
from kuulo.organisations.testing import World, build_world, canaries, client_for

from .markers import Marker, marker_text, scope_of, scope_of_model


@dataclass
class Principal:
    """Who asks: a signed-in person, an anonymous visitor or an API key."""

    name: str
    user: Any = None
    key: ApiKey | None = None
    token: str = ""
    own_urls: list[str] = field(default_factory=list)  # what only this principal has (its PDF report)

    @property
    def subject(self) -> Any:
        """What access.py judges."""
        return self.key if self.key is not None else self.user

    def client(self) -> Client:
        return client_for(self.user)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


@dataclass
class CanaryWorld:
    base: World
    units: list[Unit]  # every unit of both organisations
    markers: list[Marker] = field(default_factory=list)
    principals: dict[str, Principal] = field(default_factory=dict)
    # URL parameter -> unit id -> the value naming that unit's object
    url_values: dict[str, dict[int, Any]] = field(default_factory=dict)
    publications: dict[int, Any] = field(default_factory=dict)  # unit id -> its survey's publication
    extra_urls: list[str] = field(default_factory=list)  # pages every principal opens besides the routes

    def mark(self, kind: str, code: str, scoped: Model) -> str:
        """A new marker of `kind` for the row `scoped` (whose declared scope decides who may see it)."""
        text = marker_text(code, kind)
        organisation_id, unit_id = scope_of(scoped)
        shared_below = scope_of_model(type(scoped)).shared_below  # type: ignore[union-attr]
        self.markers.append(Marker(text, kind, organisation_id, unit_id, shared_below))
        return text

    def canary_text(self, code: str, kind: str) -> str:
        """A marker's text, for rows written before they can be marked (a comment's answer)."""
        return marker_text(code, kind)

    def name(self, of: Unit, **values: Any) -> None:
        """What each URL parameter is for the unit `of`'s object (e.g. complaint_id=its complaint's id)."""
        for param, value in values.items():
            self.url_values.setdefault(param, {})[of.pk] = value


# Where the canary world's people hold their role (the others: the whole organisation).
ROLE_UNITS: dict[str, str] = {Role.MANAGER: "area", Role.STAFF: "unit", Role.VIEWER: "area"}


def build_canary_world() -> CanaryWorld:
    """The access tests' world (organisation A: root → area → unit, and a sibling of area;
    organisation B) with marked objects in every unit, made by each app's `CANARY`
    (organisations/testing.py), and every role's principal with two API keys."""
    base = build_world()
    world = CanaryWorld(base=base, units=[base.root, base.area, base.unit, base.sibling, base.other_org_unit])
    admins = {base.org.pk: base.users[Role.ADMIN], base.other_org.pk: base.users["other_admin"]}
    builders = canaries()
    for organisation in (base.org, base.other_org):
        for canary in builders:
            if canary.organisation:
                canary.organisation(world, organisation, admins[organisation.pk])
    for unit in world.units:
        for canary in builders:
            if canary.unit:
                canary.unit(world, unit, admins[unit.organisation_id])
    _add_principals(world)
    for canary in builders:
        if canary.finish:
            canary.finish(world)
    texts = sorted(m.text for m in world.markers)
    assert all(not b.startswith(a) for a, b in pairwise(texts)), "markers must be prefix-free"
    return world


def _add_principals(world: CanaryWorld) -> None:
    """Every role of organisation A, an anonymous visitor, and two API keys."""
    base = world.base
    # Account managers and viewers may hold their role either way: the account manager for
    # the whole organisation, the viewer in two branches (a-area and a-sibling, not a-root).
    RoleAssignment.objects.filter(membership__user=base.users[Role.ACCOUNT_MANAGER]).update(unit=None)
    organisations.grant_role(base.users[Role.VIEWER], Role.VIEWER, base.sibling)
    for role, user in base.users.items():
        if role not in Role.values:
            continue  # organisation B's admin: B's objects are the canaries
        unit = getattr(base, ROLE_UNITS[role]) if role in ROLE_UNITS else None
        own = [
            url for canary in canaries() if canary.principal for url in canary.principal(world, user, unit)
        ]
        world.principals[str(role)] = Principal(str(role), user=user, own_urls=own)
    world.principals["anonymous"] = Principal("anonymous")
    everything = [str(permission) for permission in api_key_permissions()]
    unit_key, unit_token = organisations.create_api_key(
        organisation=base.org, name="canary probe", permissions=everything, units=[base.unit]
    )
    world.principals["key_unit"] = Principal("key_unit", key=unit_key, token=unit_token)
    other_key, other_token = organisations.create_api_key(
        organisation=base.other_org, name="canary probe", permissions=everything, whole_organisation=True
    )
    world.principals["key_other_organisation"] = Principal(
        "key_other_organisation", key=other_key, token=other_token
    )
