"""A data subject's request: find, export and erase what Kuulo holds about one person.

Respondents are anonymous unless they left contact details; what can be about a known
person is what carries their e-mail address or phone number: contact requests left with
a response and the follow-ups made of them (replies, outcome), personal invitations, and
(should staff have written one in) the texts of complaints. Lookups stay inside the
requester's organisation.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest

from kuulo.audit.services import record
from kuulo.feedback.models import Complaint, Invitation, ResponseContact
from kuulo.followups import services as followups
from kuulo.followups.models import FollowUp
from kuulo.organisations.models import Organisation

ERASED = "[erased]"


def normalised_phone(text: str) -> str:
    """Digits only, with the Finnish country code as a leading 0: "+358 40 123 4567" and
    "040-1234567" are the same number."""
    digits = re.sub(r"\D", "", text)
    return "0" + digits[3:] if digits.startswith("358") else digits


def kind_of(identifier: str) -> str:
    """ "email" or "phone" (or "" when it is neither)."""
    identifier = identifier.strip()
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", identifier):
        return "email"
    return "phone" if len(normalised_phone(identifier)) >= 6 else ""


@dataclass
class Found:
    identifier: str
    contacts: list[ResponseContact] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)
    complaints: list[Complaint] = field(default_factory=list)

    @property
    def follow_ups(self) -> list[FollowUp]:
        """The follow-ups of the contact requests found."""
        return list(
            FollowUp.objects.filter(response__in=[c.response_id for c in self.contacts]).prefetch_related(
                "replies"
            )
        )

    @property
    def total(self) -> int:
        return len(self.contacts) + len(self.invitations) + len(self.complaints)

    def as_json(self) -> dict[str, Any]:
        """Everything found, as the person may receive it."""
        return {
            "identifier": self.identifier,
            "contact_requests": [
                {
                    "name": contact.name,
                    "email": contact.email,
                    "phone": contact.phone,
                    "consent_version": contact.consent_version,
                    "consented_at": contact.consented_at.isoformat(),
                    "survey": str(contact.response.survey) if contact.response.survey_id else "",
                    "answered_at": contact.response.responded_at.isoformat(),
                    "answers": [
                        {"question": answer.item_version.text, "answer": _answer_value(answer)}
                        for answer in contact.response.answers.all()
                    ],
                }
                for contact in self.contacts
            ],
            "follow_ups": [
                {
                    "asked_at": case.requested_at.isoformat(),
                    "due_on": case.due_on.isoformat(),
                    "preferred_channel": case.preferred_channel,
                    "replies": [
                        {"at": reply.recorded_at.isoformat(), "channel": reply.channel, "text": reply.text}
                        for reply in case.replies.all()
                    ],
                    "outcome": case.outcome,
                    "summary": case.closing_note,
                    "closed_at": case.closed_at.isoformat() if case.closed_at else None,
                }
                for case in self.follow_ups
            ],
            "invitations": [
                {
                    "survey": str(invitation.publication.survey),
                    "channel": invitation.channel,
                    "address": invitation.address,
                    "language": invitation.language,
                    "created_at": invitation.created_at.isoformat(),
                    "sent_at": invitation.sent_at.isoformat() if invitation.sent_at else None,
                    "answered": invitation.answered,
                }
                for invitation in self.invitations
            ],
            "complaints": [
                {
                    "case_number": complaint.case_number,
                    "kind": complaint.kind,
                    "received_on": complaint.received_on.isoformat(),
                    "summary": complaint.summary,
                    "outcome_notes": complaint.outcome_notes,
                }
                for complaint in self.complaints
            ],
        }


def _answer_value(answer: Any) -> Any:
    return answer.number if answer.number is not None else (answer.choices or answer.text)


def find(organisation: Organisation, identifier: str) -> Found:
    """Everything in the organisation that carries this e-mail address or phone number."""
    identifier = identifier.strip()
    found = Found(identifier)
    kind = kind_of(identifier)
    if not kind:
        return found
    contacts = ResponseContact.objects.filter(response__organisation=organisation).select_related(
        "response__survey"
    )
    invitations = Invitation.objects.filter(publication__survey__organisation=organisation).exclude(
        address=""
    )
    if kind == "email":
        found.contacts = list(
            contacts.filter(email__iexact=identifier).prefetch_related("response__answers__item_version")
        )
        found.invitations = list(
            invitations.filter(address__iexact=identifier).select_related("publication__survey")
        )
        text = Q(summary__icontains=identifier) | Q(outcome_notes__icontains=identifier)
    else:
        number = normalised_phone(identifier)
        found.contacts = [c for c in contacts.exclude(phone="") if normalised_phone(c.phone) == number]
        found.invitations = [
            i
            for i in invitations.filter(channel="sms").select_related("publication__survey")
            if normalised_phone(i.address) == number
        ]
        complaints = Complaint.objects.filter(organisation=organisation)
        found.complaints = [
            c for c in complaints if number[-7:] in re.sub(r"\D", "", f"{c.summary} {c.outcome_notes}")
        ]
        return found
    found.complaints = list(Complaint.objects.filter(organisation=organisation).filter(text))
    return found


def export(found: Found, *, request: HttpRequest, organisation: Organisation) -> dict[str, Any]:
    """The person's data for a copy (GDPR art. 15); the request is audited, the identifier not."""
    record(
        "data_subject.exported",
        request=request,
        organisation=organisation,
        details=_counts(found),
    )
    return found.as_json()


@transaction.atomic
def erase(found: Found, *, request: HttpRequest | None, organisation: Organisation) -> dict[str, int]:
    """Erase the person from everything found (GDPR art. 17): contact requests are deleted
    with their follow-ups (the anonymous answers stay), invitation addresses forgotten, the identifier removed
    from complaint texts. Audited with counts only: the log must not keep the identifier."""
    counts = _counts(found)
    followups.erase_cases(FollowUp.objects.filter(pk__in=[case.pk for case in found.follow_ups]))
    ResponseContact.objects.filter(pk__in=[c.pk for c in found.contacts]).delete()
    Invitation.objects.filter(pk__in=[i.pk for i in found.invitations]).update(address="")
    for complaint in found.complaints:
        complaint.summary = _without(complaint.summary, found.identifier)
        complaint.outcome_notes = _without(complaint.outcome_notes, found.identifier)
        complaint.save(update_fields=["summary", "outcome_notes", "updated_at"])
    record("data_subject.erased", request=request, organisation=organisation, details=counts)
    return counts


def _without(text: str, identifier: str) -> str:
    if kind_of(identifier) == "phone":
        digits = normalised_phone(identifier)[-7:]
        # Any spelling of the number that ends with its last seven digits.
        pattern = r"\+?[\d\s()-]*" + r"[\s-]?".join(re.escape(d) for d in digits)
        return re.sub(pattern, ERASED, text)
    return re.sub(re.escape(identifier), ERASED, text, flags=re.IGNORECASE)


def _counts(found: Found) -> dict[str, int]:
    return {
        "contact_requests": len(found.contacts),
        "follow_ups": len(found.follow_ups),
        "invitations": len(found.invitations),
        "complaints": len(found.complaints),
    }
