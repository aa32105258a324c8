"""What staff record beside survey answers: verbal feedback, complaints and
reminders, and the service's daily volumes."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kuulo.audit.services import record
from kuulo.core.redaction import redact
from kuulo.organisations.access import Permission, has_permission
from kuulo.organisations.models import Unit

from ..models import Answer, Channel, Complaint, Item, Response, Sentiment, ServiceVolume, Touchpoint
from ..signals import ResponseFacts, complaint_saved, responses_stored

# --- Verbal feedback and complaints -------------------------------------------------------------


@transaction.atomic
def record_verbal_feedback(
    *,
    recorded_by: Any,
    unit: Unit,
    touchpoint: Touchpoint | None,
    sentiment: str,
    text: str,
    language: str = "fi",
    how: str = "",
    heard_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> Response:
    """What a customer said at the counter or on the phone, written down by staff
    (otherwise it stays tacit knowledge). The text is redacted like any comment."""
    if not has_permission(recorded_by, Permission.RECORD_FEEDBACK, unit):
        raise ValidationError({"unit": _("You cannot record feedback for this unit.")})
    if touchpoint is not None and touchpoint.service_path.organisation_id != unit.organisation_id:
        raise ValidationError({"touchpoint": _("The touchpoint belongs to another organisation.")})
    if sentiment not in Sentiment.values:
        raise ValidationError({"sentiment": _("Choose how the feedback felt.")})
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write down what the customer said.")})
    version = Item.objects.get(organisation=None, code="verbal").latest_version()
    assert version is not None
    response = Response.objects.create(
        organisation_id=unit.organisation_id,
        unit=unit,
        touchpoint=touchpoint,
        channel=Channel.VERBAL,
        responded_at=heard_at or timezone.now(),
        language=language,
        sentiment=sentiment,
        attributes={"how": how} if how else {},
        recorded_by=recorded_by,
    )
    answer = Answer.objects.create(response=response, item_version=version, text=redact(text[:5000]))
    responses_stored.send(sender=Response, responses=[ResponseFacts.of_response(response, [answer])])
    record("feedback.recorded", request=request, target=response, organisation=unit.organisation)
    return response


COMPLAINT_FIELDS = {
    "unit",
    "kind",
    "case_number",
    "received_on",
    "status",
    "handler",
    "summary",
    "decided_on",
    "outcome",
    "outcome_notes",
}


@transaction.atomic
def save_complaint(
    complaint: Complaint, *, user: Any, request: HttpRequest | None = None, **fields: Any
) -> Complaint:
    """Register a complaint or reminder, or update one. The user must manage complaints
    in its unit (before and after a change of unit)."""
    if unexpected := set(fields) - COMPLAINT_FIELDS:
        raise TypeError(f"save_complaint cannot set {sorted(unexpected)}")
    creating = complaint.pk is None
    # Checked against the stored unit: a form may already have put the new one on the instance.
    stored = None if creating else Complaint.objects.select_related("unit").get(pk=complaint.pk)
    if stored is not None and not has_permission(user, Permission.MANAGE_COMPLAINTS, stored.unit):
        raise ValidationError(_("You cannot change this case."))
    for name, value in fields.items():
        setattr(complaint, name, value)
    if not has_permission(user, Permission.MANAGE_COMPLAINTS, complaint.unit):
        raise ValidationError({"unit": _("You cannot register cases for this unit.")})
    complaint.organisation_id = complaint.unit.organisation_id
    complaint.summary = redact(complaint.summary)
    complaint.outcome_notes = redact(complaint.outcome_notes)
    complaint.full_clean()
    complaint.save()
    complaint_saved.send(sender=Complaint, complaint=complaint, created=creating)
    record(
        "complaint.registered" if creating else "complaint.updated",
        request=request,
        target=complaint,
        organisation=complaint.organisation,
        details={"status": complaint.status},
    )
    return complaint


# --- Service volumes -------------------------------------------------------------------------------

VOLUME_FIELDS = ("customers_served", "customers_offered_survey", "waiting_minutes", "processing_days")


def record_service_volume(
    *,
    principal: Any,
    unit: Unit,
    touchpoint: Touchpoint | None,
    date: Any,
    request: HttpRequest | None = None,
    **values: Any,
) -> ServiceVolume:
    """Set one unit's (and touchpoint's) numbers for one day; sending the same day again
    replaces them, so a system can resend a corrected day safely."""
    if unexpected := set(values) - set(VOLUME_FIELDS):
        raise TypeError(f"record_service_volume cannot set {sorted(unexpected)}")
    if not has_permission(principal, Permission.RECORD_VOLUMES, unit):
        raise ValidationError({"unit": _("You cannot record numbers for this unit.")})
    if touchpoint is not None and touchpoint.service_path.organisation_id != unit.organisation_id:
        raise ValidationError({"touchpoint": _("The touchpoint belongs to another organisation.")})
    stored = ServiceVolume.objects.filter(unit=unit, touchpoint=touchpoint, date=date).first()
    volume = fill_service_volume(stored, unit=unit, touchpoint=touchpoint, date=date, values=values)
    volume.save()
    return volume


def fill_service_volume(
    stored: ServiceVolume | None,
    *,
    unit: Unit,
    touchpoint: Touchpoint | None,
    date: Any,
    values: dict[str, Any],
) -> ServiceVolume:
    """The day's row (the stored one, or a new one) with these numbers, validated, not saved.
    The caller has checked the unit and touchpoint (and looked up the stored row), so only
    the values are validated: no query per foreign key when a batch of days arrives."""
    volume = stored or ServiceVolume(
        organisation_id=unit.organisation_id, unit=unit, touchpoint=touchpoint, date=date
    )
    for name, value in values.items():
        setattr(volume, name, value)
    volume.full_clean(
        exclude=["organisation", "unit", "touchpoint"], validate_unique=False, validate_constraints=False
    )
    return volume
