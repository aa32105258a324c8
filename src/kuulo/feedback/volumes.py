"""Service volumes in bulk (API and imports): every row is checked first, then all are
saved in one transaction, or none."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuulo.organisations.access import Permission, listed, units_for
from kuulo.organisations.models import Unit

from .ingest import BatchRejected, ItemError
from .models import ServiceVolume, Touchpoint
from .services.records import VOLUME_FIELDS, fill_service_volume

MAX_ROWS = 5000


def save_batch(principal: Any, rows: list[dict[str, Any]]) -> int:
    if not rows or len(rows) > MAX_ROWS:
        raise BatchRejected(
            [ItemError(-1, "volumes", _("Send 1–%(max)s rows at a time.") % {"max": MAX_ROWS})]
        )
    units = {unit.code: unit for unit in units_for(principal, Permission.RECORD_VOLUMES).active()}
    touchpoints = {
        f"{tp.service_path.code}.{tp.code}": tp
        for tp in listed(Touchpoint.objects.all(), principal, Permission.RECORD_VOLUMES).select_related(
            "service_path"
        )
    }
    errors: list[ItemError] = []
    resolved: list[tuple[Unit, Touchpoint | None]] = []
    seen = set()
    for index, row in enumerate(rows):
        unit = units.get(row["unit"])
        touchpoint = touchpoints.get(row["touchpoint"]) if row.get("touchpoint") else None
        if unit is None:
            errors.append(ItemError(index, "unit", _("No unit with this code is open to you.")))
        else:
            resolved.append((unit, touchpoint))
        if row.get("touchpoint") and touchpoint is None:
            errors.append(ItemError(index, "touchpoint", _("No touchpoint with this code.")))
        key = (row["unit"], row.get("touchpoint"), row["date"])
        if key in seen:
            errors.append(ItemError(index, "date", _("The same unit, touchpoint and day appear twice.")))
        seen.add(key)
    if errors:
        raise BatchRejected(errors)
    # Units come from the principal's own (units_for) and touchpoints from its organisation,
    # so what record_service_volume checks per row holds for the whole batch already.
    stored = {
        (volume.unit_id, volume.touchpoint_id, volume.date): volume
        for volume in ServiceVolume.objects.filter(
            unit__in={unit for unit, _touchpoint in resolved}, date__in={row["date"] for row in rows}
        )
    }
    volumes = []
    for index, (row, (unit, touchpoint)) in enumerate(zip(rows, resolved, strict=True)):
        values = {name: row.get(name) for name in VOLUME_FIELDS}
        key = (unit.pk, touchpoint.pk if touchpoint else None, row["date"])
        try:
            volumes.append(
                fill_service_volume(
                    stored.get(key), unit=unit, touchpoint=touchpoint, date=row["date"], values=values
                )
            )
        except ValidationError as error:
            errors += [
                ItemError(index, field, " ".join(messages)) for field, messages in error.message_dict.items()
            ]
    if errors:
        raise BatchRejected(errors)
    now = timezone.now()
    for volume in volumes:
        volume.updated_at = now  # bulk_update does not touch auto_now fields
    with transaction.atomic():
        ServiceVolume.objects.bulk_create([volume for volume in volumes if volume.pk is None])
        ServiceVolume.objects.bulk_update(
            [volume for volume in volumes if volume.pk is not None], [*VOLUME_FIELDS, "updated_at"]
        )
    return len(rows)
