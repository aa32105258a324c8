"""Test data builders shared by every app's tests: one function per model and a
small two-organisation "world" with a user in every role."""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client

from . import services
from .access import Permission
from .models import Organisation, Role, RoleAssignment, Unit, UnitType

User = get_user_model()
_sequence = count(1)
PASSWORD = "correct-horse-battery-staple"


def make_organisation(**fields: Any) -> Organisation:
    n = next(_sequence)
    fields.setdefault("slug", f"org-{n}")
    fields.setdefault("name_fi", f"Organisaatio {n}")
    fields.setdefault("name_en", f"Organisation {n}")
    return Organisation.objects.create(**fields)


def make_unit_type(organisation: Organisation, code: str = "", **fields: Any) -> UnitType:
    code = code or f"type-{next(_sequence)}"
    fields.setdefault("name_fi", f"Tyyppi {code}")
    return UnitType.objects.create(organisation=organisation, code=code, **fields)


def make_unit(
    organisation: Organisation,
    parent: Unit | None = None,
    unit_type: UnitType | None = None,
    code: str = "",
    **fields: Any,
) -> Unit:
    code = code or f"unit-{next(_sequence)}"
    unit_type = unit_type or UnitType.objects.filter(organisation=organisation).first()
    if unit_type is None:
        unit_type = make_unit_type(organisation)
    fields.setdefault("name_fi", f"Yksikkö {code}")
    return services.create_unit(
        organisation=organisation, parent=parent, unit_type=unit_type, code=code, **fields
    )


def make_user(
    organisation: Organisation | None,
    role: str | None = None,
    unit: Unit | None = None,
    username: str = "",
    **fields: Any,
) -> Any:
    username = username or f"user{next(_sequence)}"
    fields.setdefault("email", f"{username}@example.test")
    if organisation is None:
        return User.objects.create_user(username=username, password=PASSWORD, **fields)
    user = services.create_member(organisation=organisation, username=username, password=PASSWORD, **fields)
    if role:
        services.grant_role(user, role, unit)
    return user


def client_for(user: Any) -> Client:
    """A test client signed in as `user` (None: anonymous)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@dataclass
class World:
    """Organisation A with a unit tree and one user per role, and organisation B
    next door. Units: a_root → a_area → a_unit (+ a_other_unit beside a_area)."""

    org: Organisation
    other_org: Organisation
    root: Unit
    area: Unit
    unit: Unit
    sibling: Unit
    other_org_unit: Unit
    users: dict[str, Any] = field(default_factory=dict)

    def in_scope_unit(self, role: str) -> Unit:
        """A unit the given role's demo user can see."""
        return self.unit

    def out_of_scope_unit(self, role: str) -> Unit:
        """A unit the given role's user must not reach: another organisation's for
        organisation-wide roles, a sibling branch for unit-scoped ones."""
        if role in (Role.ADMIN, Role.CX_LEAD):
            return self.other_org_unit
        return self.sibling


def build_world() -> World:
    org = make_organisation(slug="org-a", name_fi="Organisaatio A")
    other = make_organisation(slug="org-b", name_fi="Organisaatio B")
    root = make_unit(org, code="a-root")
    area = make_unit(org, parent=root, code="a-area")
    unit = make_unit(org, parent=area, code="a-unit")
    sibling = make_unit(org, parent=root, code="a-sibling")
    other_unit = make_unit(other, code="b-unit")
    world = World(
        org=org, other_org=other, root=root, area=area, unit=unit, sibling=sibling, other_org_unit=other_unit
    )
    world.users = {
        Role.ADMIN: make_user(org, Role.ADMIN, username="a-admin"),
        Role.CX_LEAD: make_user(org, Role.CX_LEAD, username="a-cxlead"),
        Role.MANAGER: make_user(org, Role.MANAGER, area, username="a-manager"),
        Role.STAFF: make_user(org, Role.STAFF, unit, username="a-staff"),
        Role.ACCOUNT_MANAGER: make_user(org, Role.ACCOUNT_MANAGER, area, username="a-accounts"),
        Role.VIEWER: make_user(org, Role.VIEWER, area, username="a-viewer"),
    }
    world.users["other_admin"] = make_user(other, Role.ADMIN, username="b-admin")
    return world


@dataclass
class AccessScope:
    """What one case of the access-matrix test needs to make an object for a URL parameter:
    the unit the role may reach (in scope) or must not, and that unit's organisation."""

    world: World
    role: str
    in_scope: bool
    unit: Unit
    made: dict[str, Any] = field(default_factory=dict)  # objects shared between parameters

    @property
    def organisation(self) -> Organisation:
        return self.unit.organisation

    @property
    def own_organisation(self) -> Organisation:
        """Organisation-level objects: out of scope means another organisation's."""
        return self.world.org if self.in_scope else self.world.other_org

    def once(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self.made:
            self.made[name] = make()
        return self.made[name]


# URL parameter -> how to make an object for it (an app's testing.py: ACCESS_FIXTURES).
AccessFixtures = dict[str, Callable[[AccessScope], Any]]


def _declared(name: str) -> list[Any]:
    """What each Kuulo app's `testing.py` declares under `name`, in INSTALLED_APPS order
    (an app after the apps it builds on)."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("kuulo."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.testing")
        except ModuleNotFoundError:
            continue
        if hasattr(module, name):
            found.append(getattr(module, name))
    return found


def access_fixtures() -> AccessFixtures:
    """Every app's fixtures for the access-matrix test, from `<app>/testing.py`, so a new
    app teaches the test its URL parameters in its own module."""
    collected: AccessFixtures = {}
    for fixtures in _declared("ACCESS_FIXTURES"):
        for name, make in fixtures.items():
            assert name not in collected, f"URL parameter {name!r} has two access fixtures"
            collected[name] = make
    return collected


# --- The canary access test (tests/canary/) ---------------------------------------------


@dataclass(frozen=True)
class CanaryKind:
    """What a marker string is written in, and where a principal allowed to see it finds it."""

    # Some page lists markers of this kind to whoever holds this permission (in the marker's
    # unit, or anywhere for organisation-level rows); None: every member.
    shown_with: str | None
    public: bool = False  # a public page (survey form, kiosk) may show it to anyone
    api: bool = False  # the API shows it (API keys only reach the API)
    expected: bool = True  # whoever may see it must find it somewhere (False: only its owner does)


@dataclass(frozen=True)
class ApiBody:
    """A valid body for an API POST operation, and the permission it needs in the units it
    names. `refs` tells, for each object the body names (a link, a unit, a touchpoint),
    which object of a unit it is: (canary world, unit) -> the object."""

    permission: str
    refs: dict[str, Callable[[Any, Unit], Any]]
    body: Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Canary:
    """What one app adds to the canary access test, declared as `CANARY` in its
    `testing.py`, so a new app's rows are tried without editing the test.

    The builders get the test's world, which offers `mark(kind, code, row) -> marker text`
    (write the text into the row: who may see it is read from the row's model's access
    declarations), `name(unit, **url_values)` (what each URL parameter is for that unit's
    object), `units`, `publications` (unit id -> its survey link) and `extra_urls`.
    They run in this order, app by app: `organisation` for each organisation (with its
    admin), `unit` for each unit (with its organisation's admin), `principal` for each
    person in a role (returns the addresses of what only that person has), then `finish`."""

    kinds: dict[str, CanaryKind] = field(default_factory=dict)
    organisation: Callable[[Any, Organisation, Any], None] | None = None
    unit: Callable[[Any, Unit, Any], None] | None = None
    principal: Callable[[Any, Any, Unit | None], list[str]] | None = None
    finish: Callable[[Any], None] | None = None
    # Query-string and form parameters outside Django forms that name objects, and what they name.
    id_parameters: dict[str, type[Any]] = field(default_factory=dict)
    # Values for form fields whose type alone does not tell a valid value (or, for a file,
    # a function that makes one anew for each request).
    field_values: dict[str, str | Callable[[], Any]] = field(default_factory=dict)
    api_bodies: dict[str, ApiBody] = field(default_factory=dict)  # operation id -> body


def canaries() -> list[Canary]:
    """Every app's `CANARY`, in INSTALLED_APPS order."""
    return _declared("CANARY")


ACCESS_FIXTURES: AccessFixtures = {
    "unit_id": lambda scope: scope.unit.pk,
    "type_id": lambda scope: UnitType.objects.filter(organisation=scope.organisation).first().pk,  # type: ignore[union-attr]
    "user_id": lambda scope: _person(scope).pk,
    "assignment_id": lambda scope: RoleAssignment.objects.filter(membership__user=_person(scope)).first().pk,  # type: ignore[union-attr]
    "key_id": lambda scope: (
        services.create_api_key(
            organisation=scope.organisation, name="k", permissions=["units.view"], whole_organisation=True
        )[0].pk
    ),
    # The public "you said, we did" page: any organisation's unit may be shown.
    "organisation": lambda scope: scope.organisation.slug,
    "unit": lambda scope: scope.unit.code,
}


def _person(scope: AccessScope) -> Any:
    return scope.world.users[Role.STAFF] if scope.in_scope else scope.world.users["other_admin"]


def _canary_organisation(world: Any, organisation: Organisation, admin: Any) -> None:
    # Small thresholds, so that three comments in a unit are shown to whoever may see them.
    organisation.reporting_threshold = organisation.text_threshold = 3
    organisation.name_fi = world.mark("ORG", organisation.slug, organisation)
    organisation.save()
    unit_type = UnitType.objects.get(organisation=organisation)
    unit_type.name_fi = world.mark("TYPE", organisation.slug, unit_type)
    unit_type.save()
    for unit in world.units:
        if unit.organisation_id == organisation.pk:
            world.name(unit, type_id=unit_type.pk)


def _canary_unit(world: Any, unit: Unit, admin: Any) -> None:
    code, organisation = unit.code, unit.organisation
    unit.name_fi = world.mark("UNIT", code, unit)
    Unit.objects.filter(pk=unit.pk).update(name_fi=unit.name_fi)
    key, _secret = services.create_api_key(
        organisation=organisation, name="?", permissions=[Permission.VIEW_UNITS], units=[unit]
    )
    key.name = world.mark("APIKEY", code, key)
    key.save(update_fields=["name"])
    person = make_user(organisation, Role.STAFF, unit, username=f"p-{code}", email=f"p.{code}@example.test")
    person.first_name = world.mark("FIRST", code, person)
    person.last_name = world.mark("LAST", code, person)
    person.save(update_fields=["first_name", "last_name"])
    world.name(
        unit,
        unit_id=unit.pk,
        user_id=person.pk,
        assignment_id=RoleAssignment.objects.get(membership__user=person).pk,
        key_id=key.pk,
        organisation=organisation.slug,
        unit=unit.code,
    )


CANARY = Canary(
    kinds={
        "ORG": CanaryKind(None, public=True),  # organisation name
        "UNIT": CanaryKind(Permission.VIEW_UNITS, public=True, api=True),  # unit name
        "TYPE": CanaryKind(Permission.MANAGE_ORGANISATION),  # unit type name
        "APIKEY": CanaryKind(Permission.MANAGE_ORGANISATION),  # API key name
        "FIRST": CanaryKind(Permission.MANAGE_ORGANISATION),  # a person's first name
        "LAST": CanaryKind(Permission.MANAGE_ORGANISATION),  # a person's last name
    },
    organisation=_canary_organisation,
    unit=_canary_unit,
    id_parameters={"unit": Unit, "parent": Unit},
    field_values={
        "role": Role.VIEWER,  # with or without a unit
        "whole_organisation": "on",  # an API key reaches its units or (said explicitly) all of them
    },
)
