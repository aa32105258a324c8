"""Every change to organisations, units, people and roles. Views, the API,
management commands and the demo loader all call these, so the rules and the
audit trail are the same whatever the entry point."""

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError, Value
from django.db.models.functions import Concat, Length, Substr
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kuulo.audit.services import record

from .models import (
    ORGANISATION_SETTINGS,
    ApiKey,
    Membership,
    Organisation,
    Role,
    RoleAssignment,
    Unit,
    UnitType,
)

User = get_user_model()


class UnitHasData(Exception):
    """The unit (or something below it) has data, so it can only be archived."""


# A path segment is 9 characters and the path column 255, so the tree may be at most 28
# levels deep; real organisations need far fewer.
MAX_DEPTH = 20


def apply_changes(
    obj: Any, changes: dict[str, Any], *, allowed: set[str], action: str, request: HttpRequest | None
) -> bool:
    """Set the given fields, validate, save, and audit what actually changed (old → new).
    Returns whether anything changed. Callers hold the transaction."""
    if unexpected := set(changes) - allowed:
        raise TypeError(f"{action}: cannot change {sorted(unexpected)}")
    before = {field: getattr(obj, field) for field in changes}
    for field, value in changes.items():
        setattr(obj, field, value)
    changed = {f: [str(before[f]), str(v)] for f, v in changes.items() if before[f] != v}
    if not changed:
        return False
    obj.full_clean(exclude=["password"] if hasattr(obj, "password") else None)
    obj.save()
    record(action, request=request, target=obj, details={"changed": changed})
    return True


def _lock_tree(organisation_id: int) -> None:
    """Serialise changes to one organisation's unit tree, so that two concurrent moves
    cannot both pass the cycle check."""
    Organisation.objects.select_for_update().filter(pk=organisation_id).first()


# --- Units ---------------------------------------------------------------------


def _place(unit: Unit, parent: Unit | None) -> None:
    unit.parent = parent
    unit.depth = parent.depth + 1 if parent else 0
    if unit.depth >= MAX_DEPTH:
        raise ValidationError(
            {"parent": _("The unit tree cannot be deeper than %(max)s levels.") % {"max": MAX_DEPTH}}
        )
    # Zero-padded so that ordering by path lists the tree depth-first, siblings in creation order.
    unit.path = f"{parent.path if parent else '/'}{unit.pk:08d}/"


@transaction.atomic
def create_unit(
    *,
    organisation: Organisation,
    parent: Unit | None,
    unit_type: UnitType,
    code: str,
    name_fi: str,
    name_sv: str = "",
    name_en: str = "",
    language: str = "fi",
    request: HttpRequest | None = None,
) -> Unit:
    _lock_tree(organisation.pk)
    if parent is not None:
        parent.refresh_from_db()
        if parent.is_archived:
            raise ValidationError({"parent": _("Units cannot be added under an archived unit.")})
    unit = Unit(
        organisation=organisation,
        parent=parent,
        unit_type=unit_type,
        code=code,
        name_fi=name_fi,
        name_sv=name_sv,
        name_en=name_en,
        language=language,
        path="/pending/",
    )
    unit.full_clean(exclude=["path"])
    unit.save()
    _place(unit, parent)
    unit.save(update_fields=["path", "depth", "parent"])
    record("unit.created", request=request, target=unit)
    return unit


@transaction.atomic
def update_unit(unit: Unit, *, request: HttpRequest | None = None, **changes: Any) -> Unit:
    """Rename or change the type, code or language of a unit (not its place: see move_unit)."""
    allowed = {"name_fi", "name_sv", "name_en", "unit_type", "code", "language"}
    apply_changes(unit, changes, allowed=allowed, action="unit.updated", request=request)
    return unit


@transaction.atomic
def move_unit(unit: Unit, new_parent: Unit | None, *, request: HttpRequest | None = None) -> Unit:
    """Move a unit and its whole subtree under another parent (or to the top)."""
    _lock_tree(unit.organisation_id)
    unit = Unit.objects.get(pk=unit.pk)
    if new_parent is not None:
        new_parent.refresh_from_db()
        if new_parent.organisation_id != unit.organisation_id:
            raise ValidationError({"parent": _("The new parent belongs to another organisation.")})
        if new_parent.path.startswith(unit.path):
            raise ValidationError({"parent": _("A unit cannot be moved under itself or its own sub-units.")})
        if new_parent.is_archived:
            raise ValidationError({"parent": _("Units cannot be moved under an archived unit.")})
    old_parent = unit.parent
    old_path, old_depth = unit.path, unit.depth
    subtree_height = (
        max(Unit.objects.filter(path__startswith=old_path).values_list("depth", flat=True)) - old_depth
    )
    _place(unit, new_parent)
    if unit.depth + subtree_height >= MAX_DEPTH:
        raise ValidationError(
            {"parent": _("The unit tree cannot be deeper than %(max)s levels.") % {"max": MAX_DEPTH}}
        )
    if unit.path == old_path:
        return unit
    depth_shift = unit.depth - old_depth
    # Rewrite the prefix of every path in the subtree in one statement.
    Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
        path=Concat(Value(unit.path), Substr("path", Length(Value(old_path)) + 1)),
        depth=F("depth") + depth_shift,
    )
    unit.save(update_fields=["parent", "path", "depth", "updated_at"])
    record(
        "unit.moved",
        request=request,
        target=unit,
        details={
            "from": old_parent.name if old_parent else "",
            "to": new_parent.name if new_parent else "",
        },
    )
    return unit


@transaction.atomic
def archive_unit(unit: Unit, *, request: HttpRequest | None = None) -> int:
    """Archive a unit and everything below it; their data is kept. Returns how many were archived."""
    if unit.is_archived:
        raise ValidationError(_("The unit is archived already."))
    now = timezone.now()
    count = Unit.objects.filter(path__startswith=unit.path, archived_at__isnull=True).update(
        archived_at=now, updated_at=now
    )
    unit.archived_at = now
    record("unit.archived", request=request, target=unit, details={"units": count})
    return count


@transaction.atomic
def restore_unit(unit: Unit, *, request: HttpRequest | None = None) -> int:
    """Bring back an archived unit together with the sub-units that were archived with it
    (sub-units archived separately, earlier, stay archived). Returns how many were restored."""
    if not unit.is_archived:
        raise ValidationError(_("The unit is not archived."))
    if unit.parent is not None and unit.parent.is_archived:
        raise ValidationError(_("Restore the parent unit first."))
    count = Unit.objects.filter(path__startswith=unit.path, archived_at=unit.archived_at).update(
        archived_at=None, updated_at=timezone.now()
    )
    unit.archived_at = None
    record("unit.restored", request=request, target=unit, details={"units": count})
    return count


def delete_unit(unit: Unit, *, request: HttpRequest | None = None) -> None:
    """Delete a unit that nothing refers to. Anything that holds data about a unit
    protects it (on_delete=PROTECT), so a unit with data can only be archived."""
    label, organisation = str(unit), unit.organisation
    try:
        with transaction.atomic():
            unit.delete()
            record("unit.deleted", request=request, target_label=label, organisation=organisation)
    except ProtectedError as error:
        raise UnitHasData(_("This unit has sub-units, roles or data; archive it instead.")) from error


# --- Unit types ------------------------------------------------------------------


@transaction.atomic
def save_unit_type(unit_type: UnitType, *, request: HttpRequest | None = None) -> UnitType:
    created = unit_type.pk is None
    unit_type.full_clean()
    unit_type.save()
    record("unit_type.created" if created else "unit_type.updated", request=request, target=unit_type)
    return unit_type


# --- Organisation settings ---------------------------------------------------------


@transaction.atomic
def update_organisation(
    organisation: Organisation, *, request: HttpRequest | None = None, **changes: Any
) -> Organisation:
    apply_changes(
        organisation,
        changes,
        allowed=set(ORGANISATION_SETTINGS),
        action="organisation.updated",
        request=request,
    )
    return organisation


# --- People and roles ---------------------------------------------------------------


@transaction.atomic
def create_member(
    *,
    organisation: Organisation,
    username: str,
    email: str,
    first_name: str = "",
    last_name: str = "",
    language: str = "",
    password: str | None = None,
    request: HttpRequest | None = None,
) -> Any:
    """A new staff user in the organisation. Without a password they set one via password reset."""
    user = User(username=username, email=email, first_name=first_name, last_name=last_name, language=language)
    if "@" in username:
        raise ValidationError({"username": _("A username cannot contain @.")})
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    _set_verified_email(user)
    Membership.objects.create(user=user, organisation=organisation)
    record("user.created", request=request, target=user, organisation=organisation)
    return user


@transaction.atomic
def update_member(user: Any, *, request: HttpRequest | None = None, **changes: Any) -> Any:
    allowed = {"first_name", "last_name", "email", "language"}
    if (
        apply_changes(user, changes, allowed=allowed, action="user.updated", request=request)
        and "email" in changes
    ):
        _set_verified_email(user)
    return user


def _set_verified_email(user: Any) -> None:
    """Administrators enter staff e-mail addresses, so allauth may treat them as verified
    (it needs a verified address for password reset and two-factor setup)."""
    EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).delete()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


@transaction.atomic
def set_member_active(user: Any, active: bool, *, request: HttpRequest | None = None) -> None:
    if request is not None and user.pk == request.user.pk and not active:
        raise ValidationError(_("You cannot deactivate your own account."))
    user.is_active = active
    user.save(update_fields=["is_active"])
    record("user.activated" if active else "user.deactivated", request=request, target=user)


@transaction.atomic
def grant_role(
    user: Any, role: str, unit: Unit | None = None, *, request: HttpRequest | None = None
) -> RoleAssignment:
    membership = Membership.objects.select_related("organisation").get(user=user)
    if unit is not None and unit.is_archived:
        raise ValidationError({"unit": _("Roles cannot be granted in an archived unit.")})
    assignment = RoleAssignment(membership=membership, role=role, unit=unit)
    assignment.full_clean()
    assignment.save()
    record(
        "role.granted",
        request=request,
        target=user,
        organisation=membership.organisation,
        details={"role": role, "unit": unit.code if unit else None},
    )
    return assignment


@transaction.atomic
def revoke_role(assignment: RoleAssignment, *, request: HttpRequest | None = None) -> None:
    user = assignment.membership.user
    if (
        request is not None
        and user.pk == request.user.pk
        and assignment.role == Role.ADMIN
        and assignment.unit_id is None
    ):
        raise ValidationError(_("You cannot remove your own administrator role."))
    details = {"role": assignment.role, "unit": assignment.unit.code if assignment.unit else None}
    assignment.delete()
    record(
        "role.revoked",
        request=request,
        target=user,
        organisation=assignment.membership.organisation,
        details=details,
    )


# --- API keys -------------------------------------------------------------------------

API_KEY_PREFIX = "kuulo"


def _hash_secret(secret: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_api_key(
    *,
    organisation: Organisation,
    name: str,
    permissions: list[str],
    units: list[Unit] = (),  # type: ignore[assignment]
    whole_organisation: bool = False,
    created_by: Any = None,
    request: HttpRequest | None = None,
) -> tuple[ApiKey, str]:
    """A new key and its full secret, which is shown once and never stored. It reaches
    the given units' subtrees, or with `whole_organisation` every unit."""
    units = list(units)
    if any(unit.organisation_id != organisation.pk for unit in units):
        raise ValidationError({"units": _("The units must belong to your organisation.")})
    if whole_organisation == bool(units):
        raise ValidationError({"units": _("Choose the units the key reaches, or the whole organisation.")})
    if not permissions:
        raise ValidationError({"permissions": _("Give the key at least one permission.")})
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        organisation=organisation,
        name=name,
        prefix=prefix,
        secret_hash=_hash_secret(secret),
        permissions=sorted(permissions),
        whole_organisation=whole_organisation,
        created_by=created_by,
    )
    key.units.set(units)
    record(
        "api_key.created",
        request=request,
        target=key,
        organisation=organisation,
        details={
            "permissions": sorted(permissions),
            "units": "all" if whole_organisation else [unit.code for unit in units],
        },
    )
    return key, f"{API_KEY_PREFIX}_{prefix}_{secret}"


def authenticate_api_key(token: str) -> ApiKey | None:
    """The active key a presented token belongs to, or None."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        return None
    key = (
        ApiKey.objects.select_related("organisation").filter(prefix=parts[1], revoked_at__isnull=True).first()
    )
    if key is None or not hmac.compare_digest(key.secret_hash, _hash_secret(parts[2])):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)  # at most once a minute per key
    return key


@transaction.atomic
def revoke_api_key(key: ApiKey, *, request: HttpRequest | None = None) -> None:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at", "updated_at"])
        record("api_key.revoked", request=request, target=key, organisation=key.organisation)
