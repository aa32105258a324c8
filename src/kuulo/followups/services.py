"""Every write to follow-up cases: checked against the user's units, audited.

A case is opened in the transaction that stores a response with contact details
(feedback's `contact_requested` signal). Whoever may handle cases in the case's unit
(`followups.handle` there) may assign it to such a person, record replies and close it.
Closing starts the retention period of the contact details (privacy/retention.py).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from kuulo.audit.services import record
from kuulo.core.redaction import redact
from kuulo.feedback.models import RATING_KINDS, Answer, ItemKind, ResponseContact
from kuulo.insights.alerts import notify
from kuulo.organisations.access import has_permission, role_permissions
from kuulo.organisations.models import Organisation, Role, RoleAssignment, Unit

from .declarations import HANDLE
from .models import FollowUp, FollowUpReply, FollowUpSettings, Outcome, PreferredChannel, ReplyChannel
from .workdays import add_working_days


def settings_for(organisation: Organisation) -> FollowUpSettings:
    """The organisation's promise; the defaults until an admin changes them."""
    return FollowUpSettings.objects.filter(organisation=organisation).first() or FollowUpSettings(
        organisation=organisation
    )


@transaction.atomic
def save_settings(follow_up_settings: FollowUpSettings, *, request: HttpRequest | None = None) -> None:
    follow_up_settings.full_clean()
    follow_up_settings.save()
    record(
        "follow_up.settings_updated",
        request=request,
        organisation=follow_up_settings.organisation,
        details={
            "promise_days": follow_up_settings.promise_days,
            "alert_low_scores": follow_up_settings.alert_low_scores,
        },
    )


# --- Opening a case -------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """One rating answer of the response, as the queue shows it."""

    label: str  # the item's code (CSAT, NPS…) or the question
    value: int
    scale_max: int | None
    low: bool


def scores_of(answers: list[Answer]) -> list[Score]:
    """The rating answers, each marked low when it is among the scale's lowest: a detractor's
    0–6 on NPS, the two lowest points on other scales (CSAT 1–2, CES 1–2 of 7)."""
    scores = []
    for answer in answers:
        version = answer.item_version
        item = version.item
        if answer.number is None or item.kind not in RATING_KINDS or version.scale_min is None:
            continue
        low = answer.number <= 6 if item.kind == ItemKind.NPS else answer.number <= version.scale_min + 1
        label = item.code.upper() if item.is_standard else version.text
        scores.append(Score(label, answer.number, version.scale_max, low))
    return scores


def answers_of(response_id: int) -> list[Answer]:
    return list(
        Answer.objects.filter(response_id=response_id).select_related("item_version__item").order_by("pk")
    )


def on_contact_requested(sender: Any, *, contact: ResponseContact, **kwargs: Any) -> None:
    open_case(contact)


def open_case(contact: ResponseContact) -> FollowUp:
    """The case of a respondent's request to be contacted, due after the organisation's
    promise in working days; the unit's handlers are alerted about a low score."""
    response = contact.response
    organisation = Organisation.objects.get(pk=response.organisation_id)
    promise = settings_for(organisation)
    scores = scores_of(answers_of(response.pk))
    if contact.preferred in PreferredChannel.values:
        preferred = contact.preferred  # as the respondent asked
    elif contact.email and contact.phone:
        preferred = PreferredChannel.EITHER
    else:
        preferred = PreferredChannel.EMAIL if contact.email else PreferredChannel.PHONE
    case = FollowUp.objects.create(
        organisation=organisation,
        unit_id=response.unit_id,
        response=response,
        preferred_channel=preferred,
        requested_at=contact.consented_at,
        due_on=add_working_days(timezone.localdate(contact.consented_at), promise.promise_days),
        low_score=any(score.low for score in scores),
    )
    record("follow_up.opened", target=case, organisation=organisation)
    if case.low_score and promise.alert_low_scores:
        alert_handlers(case, scores)
    return case


def _handling_assignments(unit: Unit) -> QuerySet[RoleAssignment]:
    """Active people's roles that let them handle cases in `unit`: on the unit, on a unit
    above it (not archived), or organisation-wide."""
    handling = [role for role in Role.values if HANDLE in role_permissions(role)]
    above = [int(segment) for segment in unit.path.strip("/").split("/")]
    return RoleAssignment.objects.filter(
        Q(unit__isnull=True) | Q(unit__in=above, unit__archived_at__isnull=True),
        role__in=handling,
        membership__organisation_id=unit.organisation_id,
        membership__user__is_active=True,
    )


def handlers_for(unit: Unit) -> QuerySet[Any]:
    """Everyone who may handle cases in `unit` (whom a case there may be assigned to)."""
    users = _handling_assignments(unit).values("membership__user")
    return get_user_model().objects.filter(pk__in=users)


def handlers_of(unit: Unit) -> list[Any]:
    """Who is told about a case in `unit`: the people who may handle cases there through a
    role on the unit or a unit above it; only when there are none, those who handle cases
    organisation-wide (CX leads, admins)."""
    local: dict[int, Any] = {}
    everywhere: dict[int, Any] = {}
    for assignment in _handling_assignments(unit).select_related("membership__user"):
        user = assignment.membership.user
        (everywhere if assignment.unit_id is None else local)[user.pk] = user
    people = local or everywhere
    return [user for user in people.values() if has_permission(user, HANDLE, unit)]


def alert_handlers(case: FollowUp, scores: list[Score]) -> int:
    """A notification (and e-mail, after commit) to each handler; no contact details and no
    free text in it: only the unit, the scores and the due date."""
    sent = 0
    url = reverse("followups:case_detail", args=[case.pk])
    written = ", ".join(
        f"{score.label} {score.value}" + (f"/{score.scale_max}" if score.scale_max is not None else "")
        for score in scores
        if score.low
    )
    for user in handlers_of(case.unit):
        with translation.override(user.language or settings.LANGUAGE_CODE):
            title = _("Low score and a request to be contacted: %(unit)s") % {"unit": case.unit.name}
            body = _("A customer gave %(scores)s and asked to be contacted. Reply by %(due)s.") % {
                "scores": written,
                "due": formats.date_format(case.due_on, "SHORT_DATE_FORMAT"),
            }
            sent += notify(
                user,
                unit=case.unit,
                kind="follow_up",
                key=f"follow_up:{case.pk}",
                title=title,
                body=body,
                url=url,
                email=True,
            )
    return sent


# --- Handling a case ------------------------------------------------------------------------


def may_handle(user: Any, case: FollowUp) -> bool:
    return has_permission(user, HANDLE, case.unit)


def _check_open(case: FollowUp, user: Any) -> None:
    if not may_handle(user, case):
        raise ValidationError(_("You cannot handle follow-ups in this unit."))
    if not case.is_open:
        raise ValidationError(_("The follow-up is closed."))


@transaction.atomic
def assign_case(case: FollowUp, *, user: Any, assignee: Any, request: HttpRequest | None = None) -> FollowUp:
    """Give the case to a person who may handle cases in its unit (None: nobody)."""
    case = FollowUp.objects.select_for_update().select_related("unit").get(pk=case.pk)
    _check_open(case, user)
    if assignee is not None and not (assignee.is_active and may_handle(assignee, case)):
        raise ValidationError({"assignee": _("Choose a person who handles follow-ups in this unit.")})
    case.assignee = assignee
    case.save(update_fields=["assignee", "updated_at"])
    record(
        "follow_up.assigned",
        request=request,
        actor=user,
        target=case,
        details={"assignee": assignee.get_username() if assignee else None},
    )
    return case


@transaction.atomic
def record_reply(
    case: FollowUp, *, user: Any, channel: str, text: str, request: HttpRequest | None = None
) -> FollowUpReply:
    """How the person was contacted and what was said. A case nobody had is taken by whoever
    replies."""
    case = FollowUp.objects.select_for_update().select_related("unit").get(pk=case.pk)
    _check_open(case, user)
    if channel not in ReplyChannel.values:
        raise ValidationError({"channel": _("Choose how you contacted the person.")})
    text = redact(text.strip())
    if not text and channel != ReplyChannel.NOT_REACHED:
        raise ValidationError({"text": _("Write down what was said.")})
    reply = FollowUpReply.objects.create(follow_up=case, channel=channel, text=text, recorded_by=user)
    if case.assignee_id is None:
        case.assignee = user
        case.save(update_fields=["assignee", "updated_at"])
    record("follow_up.replied", request=request, actor=user, target=case, details={"channel": channel})
    return reply


@transaction.atomic
def close_case(
    case: FollowUp, *, user: Any, outcome: str, note: str = "", request: HttpRequest | None = None
) -> FollowUp:
    """Close the case with its outcome. Someone must have tried to reach the person first
    (a reply, or an attempt that did not reach them)."""
    case = FollowUp.objects.select_for_update().select_related("unit").get(pk=case.pk)
    _check_open(case, user)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    if not case.replies.exists():
        raise ValidationError(_("Record how you contacted the person before closing the follow-up."))
    case.outcome = outcome
    case.closing_note = redact(note.strip())
    case.closed_at = timezone.now()
    case.closed_by = user
    case.save(update_fields=["outcome", "closing_note", "closed_at", "closed_by", "updated_at"])
    record("follow_up.closed", request=request, actor=user, target=case, details={"outcome": outcome})
    return case


def record_viewed(case: FollowUp, *, request: HttpRequest) -> None:
    record("follow_up.viewed", request=request, target=case)


def record_listed(cases: list[FollowUp], *, request: HttpRequest, shown: str) -> None:
    if cases:
        record("follow_up.listed", request=request, details={"shown": shown, "cases": [c.pk for c in cases]})


# --- The end of a case -------------------------------------------------------------------


def closed_before(organisation: Organisation, cutoff: datetime) -> QuerySet[FollowUp]:
    """Cases closed before `cutoff`: their contact details' retention period is over."""
    return FollowUp.objects.filter(organisation=organisation, closed_at__lt=cutoff)


@transaction.atomic
def erase_cases(cases: QuerySet[FollowUp], *, request: HttpRequest | None = None) -> int:
    """Delete these cases with their replies and the contact details they were about (the
    anonymous answers stay). Returns how many cases went."""
    doomed = list(cases.select_for_update().values_list("pk", "response_id", "organisation_id"))
    if not doomed:
        return 0
    ResponseContact.objects.filter(response_id__in=[response for _pk, response, _org in doomed]).delete()
    FollowUp.objects.filter(pk__in=[pk for pk, _response, _org in doomed]).delete()
    for organisation_id in {org for _pk, _response, org in doomed}:
        record(
            "follow_up.erased",
            request=request,
            organisation=Organisation.objects.get(pk=organisation_id),
            details={"count": sum(org == organisation_id for _pk, _response, org in doomed)},
        )
    return len(doomed)
