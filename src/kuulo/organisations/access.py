"""The one place that decides what a user may see and do.

Every view, API endpoint, export and background job asks here:

* `has_permission(user, perm, unit=None)`: may the user do this (at all, or in this unit)?
* `restrict(queryset, user, perm)`: only the rows the user may see for this permission;
  model classes say how they are scoped with `access_unit_field` (rows belong to a
  unit; the user needs the permission in that unit or above it) or
  `access_organisation_field` (organisation-level rows; the user needs the
  permission organisation-wide; with `access_includes_shared`, rows without an
  organisation are shared by everyone), or both (a row of one unit, or without a
  unit, of the whole organisation: e.g. a report).
* `listed(queryset, user, perm)`: the rows a user may see named in navigation, filters
  and forms: `restrict`, except for vocabulary a unit shares with the units below it
  (`access_shared_below`, e.g. service paths).
* `get_for_user_or_404(queryset, user, perm, **lookup)`: fetch one row or 404, so an
  object outside the user's scope is indistinguishable from one that does not exist.
* `@requires(perm)` / `@public` on views: the access rule, which the access-matrix
  test reads to check every URL for every role.

A role held on a unit covers that unit and its whole subtree; a role held without
a unit covers the organisation. Roles never reach another organisation.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django_stubs_ext import StrOrPromise

from kuulo.core.registry import registry

from .models import ApiKey, Role, RoleAssignment, Unit, UnitQuerySet


class Permission(StrEnum):
    MANAGE_ORGANISATION = "organisation.manage"  # units, unit types, people, roles, settings
    VIEW_AUDIT_LOG = "audit.view"
    VIEW_UNITS = "units.view"
    CONFIGURE_FEEDBACK = "feedback.configure"  # metric catalogue, targets, service paths, surveys
    SUBMIT_RESPONSES = "responses.submit"  # send responses from another system (API keys)
    RECORD_FEEDBACK = "feedback.record"  # record verbal feedback heard at the counter or on the phone
    MANAGE_COMPLAINTS = "complaints.manage"  # the register of formal complaints and reminders
    RECORD_VOLUMES = "volumes.record"  # customers served, waiting and processing times per day
    IMPORT_RESPONSES = "responses.import"  # bring in responses from another tool's CSV/XLSX export
    VIEW_INSIGHTS = "insights.view"  # dashboards and reports of the units one's role covers
    MANAGE_ACTIONS = "actions.manage"  # plan and follow improvement actions (the kanban board)
    EXPORT_RESPONSES = "responses.export"  # download single (anonymous, redacted) responses
    MANAGE_WEBHOOKS = "webhooks.manage"  # send events to other systems (admins only: data leaves Kuulo)
    MANAGE_PRIVACY = "privacy.manage"  # retention periods, data-subject requests (admins only)


def role_permissions(role: str) -> frozenset[str]:
    """What a role holds: the organisation admin every permission any app declared, other
    roles what the apps granted them in their declarations (core/registry.py)."""
    if role == Role.ADMIN:
        return frozenset(registry.permissions)
    return frozenset(code for code, spec in registry.permissions.items() if role in spec.roles)


PRIVILEGED_ROLES = frozenset({Role.ADMIN, Role.CX_LEAD})


def api_key_permissions() -> dict[str, StrOrPromise]:
    """What an API key can be given, with its label (people get permissions through roles)."""
    return {code: spec.api_key_label for code, spec in registry.permissions.items() if spec.api_key_label}


@dataclass(frozen=True)
class Grant:
    role: str  # a Role, or "api_key"
    permissions: frozenset[str]
    unit_id: int | None
    unit_path: str | None  # None: organisation-wide


@dataclass(frozen=True)
class Access:
    """What one user holds, loaded once per request."""

    organisation_id: int | None
    grants: tuple[Grant, ...]

    def grants_for(self, perm: str) -> list[Grant]:
        return [g for g in self.grants if perm in g.permissions]

    def allows(self, perm: str | None) -> bool:
        if perm is None:
            return True
        return bool(self.grants_for(perm))

    def organisation_wide(self, perm: str) -> bool:
        return any(g.unit_path is None for g in self.grants_for(perm))

    def covers_unit(self, perm: str, unit: Unit) -> bool:
        if unit.organisation_id != self.organisation_id:
            return False
        return any(g.unit_path is None or unit.path.startswith(g.unit_path) for g in self.grants_for(perm))

    @property
    def roles(self) -> set[str]:
        return {g.role for g in self.grants}


NO_ACCESS = Access(organisation_id=None, grants=())


def access_for(user: Any) -> Access:
    """The grants of a user (or API key), cached on the object (which lives for one request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_kuulo_access", None)
    if cached is not None:
        return cached
    if isinstance(user, ApiKey):
        access = _api_key_access(user)
        user._kuulo_access = access  # type: ignore[attr-defined]
        return access
    assignments = RoleAssignment.objects.filter(membership__user=user).select_related("membership", "unit")
    organisation_id = None
    grants = []
    for assignment in assignments:
        organisation_id = assignment.membership.organisation_id
        if assignment.unit is not None and assignment.unit.is_archived:
            continue  # a role in an archived unit grants nothing
        grants.append(
            Grant(
                role=assignment.role,
                permissions=role_permissions(assignment.role),
                unit_id=assignment.unit_id,
                unit_path=assignment.unit.path if assignment.unit else None,
            )
        )
    if organisation_id is None:
        membership = getattr(user, "membership", None)
        organisation_id = membership.organisation_id if membership else None
    access = Access(organisation_id=organisation_id, grants=tuple(grants))
    user._kuulo_access = access
    return access


def _api_key_access(key: ApiKey) -> Access:
    permissions = frozenset(p for p in key.permissions if p in api_key_permissions())
    units = list(key.units.all())
    if key.whole_organisation:
        grants = [Grant("api_key", permissions, None, None)]
    else:  # a unit archived since grants nothing
        grants = [Grant("api_key", permissions, u.pk, u.path) for u in units if not u.is_archived]
    return Access(organisation_id=key.organisation_id, grants=tuple(grants))


def has_permission(user: Any, perm: str | None, unit: Unit | None = None) -> bool:
    """Whether the user holds `perm` somewhere (unit=None) or in `unit`.
    `perm=None` means "any signed-in member of an organisation"."""
    access = access_for(user)
    if access.organisation_id is None:
        return False
    if unit is None or perm is None:
        return access.allows(perm)
    return access.covers_unit(perm, unit)


def has_organisation_wide(user: Any, perm: str) -> bool:
    """Whether the user holds `perm` over the whole organisation (not only some units)."""
    return access_for(user).organisation_wide(perm)


def units_for(user: Any, perm: str) -> UnitQuerySet:
    """The units in which the user holds `perm` (including archived ones)."""
    access = access_for(user)
    grants = access.grants_for(perm)
    if not grants:
        return Unit.objects.none()
    units = Unit.objects.filter(organisation=access.organisation_id)
    if access.organisation_wide(perm):
        return units
    return units.under_paths(*(grant.unit_path for grant in grants if grant.unit_path))


def units_above(user: Any, perm: str) -> set[int]:
    """The ids of the units above those where the user holds `perm` (not the units
    themselves). A unit's members may know what its parent units share with the units
    below them (e.g. an area's service path), never what a sibling unit keeps."""
    above: set[int] = set()
    for grant in access_for(user).grants_for(perm):
        if grant.unit_path:
            above.update(int(segment) for segment in grant.unit_path.strip("/").split("/")[:-1])
    return above


def restrict[QS: models.QuerySet[Any]](queryset: QS, user: Any, perm: str) -> QS:
    """Only the rows of `queryset` the user may see with `perm`."""
    model = queryset.model
    access = access_for(user)
    if not access.allows(perm):
        return queryset.none()
    unit_field = getattr(model, "access_unit_field", None)
    organisation_field = getattr(model, "access_organisation_field", None)
    if unit_field == "self":
        return queryset.filter(pk__in=units_for(user, perm).values("pk"))
    if unit_field and organisation_field:
        # Both declared: a row of one unit, or (without a unit) of the whole organisation,
        # which needs the permission organisation-wide.
        scope = Q(**{f"{unit_field}__in": units_for(user, perm).values("pk")})
        if access.organisation_wide(perm):
            scope |= Q(**{f"{unit_field}__isnull": True, organisation_field: access.organisation_id})
        return queryset.filter(scope)
    if unit_field:
        return queryset.filter(**{f"{unit_field}__in": units_for(user, perm).values("pk")})
    if organisation_field:
        if not access.organisation_wide(perm):
            return queryset.none()
        own = Q(**{organisation_field: access.organisation_id})
        if getattr(model, "access_includes_shared", False):
            # Rows without an organisation (e.g. Kuulo's standard catalogue) are shared by all.
            own |= Q(**{f"{organisation_field}__isnull": True})
        return queryset.filter(own)
    raise TypeError(f"{model.__name__} declares neither access_unit_field nor access_organisation_field")


def listed[QS: models.QuerySet[Any]](queryset: QS, user: Any, perm: str) -> QS:
    """The rows of `queryset` a user may see named (in navigation, filters and forms).

    For most models this is `restrict`. A model that declares `access_shared_below`
    (e.g. a service path) is vocabulary its unit shares with the units below it: holders
    of `perm` anywhere see the organisation's rows without a unit, and a unit's rows are
    named in that unit, above it and below it, never in a sibling unit. Changing such a
    row still needs `restrict`."""
    if not getattr(queryset.model, "access_shared_below", False):
        return restrict(queryset, user, perm)
    access = access_for(user)
    if not access.allows(perm):
        return queryset.none()
    unit_field = queryset.model.access_unit_field
    queryset = queryset.filter(**{queryset.model.access_organisation_field: access.organisation_id})
    if access.organisation_wide(perm):
        return queryset
    return queryset.filter(
        Q(**{f"{unit_field}__isnull": True})
        | Q(**{f"{unit_field}__in": units_for(user, perm).values("pk")})
        | Q(**{f"{unit_field}__in": units_above(user, perm)})
    )


def get_for_user_or_404[M: models.Model](
    queryset: models.QuerySet[M], user: Any, perm: str, **lookup: Any
) -> M:
    return get_object_or_404(restrict(queryset, user, perm), **lookup)


def mfa_required_but_missing(user: Any) -> bool:
    """True when the user's organisation requires 2FA for their role and they have none."""
    access = access_for(user)
    if not access.roles & PRIVILEGED_ROLES:
        return False
    membership = getattr(user, "membership", None)
    if membership is None or not membership.organisation.require_mfa_for_privileged:
        return False
    from allauth.mfa.models import Authenticator

    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


# --- View access rules -------------------------------------------------------


@dataclass(frozen=True)
class AccessRule:
    """Declared on every Kuulo view; the access-matrix test checks views against it."""

    public: bool
    permission: str | None = None


PUBLIC = AccessRule(public=True)


def public[V: Callable[..., HttpResponse]](view: V) -> V:
    """Anyone, signed in or not, may open this view."""
    view.access_rule = PUBLIC  # type: ignore[attr-defined]
    return view


def requires[V: Callable[..., HttpResponse]](permission: str | None) -> Callable[[V], V]:
    """Signed-in members holding `permission` somewhere (None: any member).
    Anonymous users are sent to sign in; members without it get 403. Views
    still fetch objects with `get_for_user_or_404` for the per-unit check."""

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_permission(request.user, permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.access_rule = AccessRule(public=False, permission=permission)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def organisation_for(user: Any) -> Any:
    """The organisation of a user or API key (None for anonymous users and users without one)."""
    if isinstance(user, ApiKey):
        return user.organisation
    membership = getattr(user, "membership", None) if user.is_authenticated else None
    return membership.organisation if membership is not None else None
