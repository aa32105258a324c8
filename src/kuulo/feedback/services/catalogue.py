"""Writes to the metric catalogue: custom items and their new versions, targets."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kuulo.audit.services import record
from kuulo.organisations.models import Organisation, Unit

from ..models import FIXED_SCALES, Item, ItemVersion, Target


@transaction.atomic
def create_item(
    *,
    organisation: Organisation,
    code: str,
    kind: str,
    dimension: str,
    text_fi: str,
    text_sv: str = "",
    text_en: str = "",
    scale_min: int | None = None,
    scale_max: int | None = None,
    anchors: dict[str, Any] | None = None,
    choices: list[dict[str, str]] | None = None,
    cant_say: bool = False,
    number: dict[str, Any] | None = None,
    user: Any = None,
    request: HttpRequest | None = None,
) -> Item:
    """`number`: a number item's lower, upper, decimals and unit_label."""
    if kind in FIXED_SCALES:
        scale_min, scale_max = FIXED_SCALES[kind]
    item = Item(organisation=organisation, code=code, kind=kind, dimension=dimension)
    item.full_clean()
    item.save()
    version = ItemVersion(
        item=item,
        number=1,
        text_fi=text_fi,
        text_sv=text_sv,
        text_en=text_en,
        scale_min=scale_min,
        scale_max=scale_max,
        anchors=anchors or {},
        choices=choices or [],
        cant_say=cant_say,
        created_by=user,
        **(number or {}),
    )
    version.full_clean()
    version.save()
    record("item.created", request=request, target=item, organisation=organisation, details={"code": code})
    return item


@transaction.atomic
def revise_item(
    item: Item, *, user: Any = None, request: HttpRequest | None = None, **content: Any
) -> ItemVersion:
    """Change an item's wording or scale: this creates a new version (results of the
    old one stay apart). Standard items are locked. Returns the current version."""
    if item.locked:
        raise ValidationError(_("This is a standard item: its wording is locked."))
    latest = item.latest_version()
    assert latest is not None
    allowed = {
        *("text_fi", "text_sv", "text_en", "scale_min", "scale_max", "anchors", "choices", "cant_say"),
        *("lower", "upper", "decimals", "unit_label"),
    }
    if unexpected := set(content) - allowed:
        raise TypeError(f"revise_item cannot change {sorted(unexpected)}")
    fields = {name: getattr(latest, name) for name in allowed} | content
    if item.kind in FIXED_SCALES:
        fields["scale_min"], fields["scale_max"] = FIXED_SCALES[item.kind]
    version = ItemVersion(item=item, number=latest.number + 1, created_by=user, **fields)
    if version.content() == latest.content():
        return latest
    version.full_clean()
    version.save()
    record("item.revised", request=request, target=item, details={"version": version.number})
    return version


@transaction.atomic
def set_target(
    *,
    organisation: Organisation,
    item: Item,
    unit: Unit | None,
    measure: str,
    value: Any,
    request: HttpRequest | None = None,
) -> Target:
    """Set (or change) the organisation's default target for an item, or a unit's own."""
    if unit is not None and unit.organisation_id != organisation.pk:
        raise ValidationError({"unit": _("The unit belongs to another organisation.")})
    if item.organisation_id not in (None, organisation.pk):
        raise ValidationError({"item": _("The item belongs to another organisation.")})
    target = Target.objects.filter(organisation=organisation, item=item, unit=unit).first() or Target(
        organisation=organisation, item=item, unit=unit
    )
    target.measure = measure
    target.value = value
    target.full_clean()
    target.save()
    record("target.set", request=request, target=target, organisation=organisation)
    return target
