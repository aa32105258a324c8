"""Retention: each kind of data is deleted (or emptied) once its period is over.

`apply` is run daily for every organisation (`manage.py apply_retention`, or the
`apply_retention` task). It goes through the same services as any deletion, so the
dashboards' aggregates lose deleted responses in the same transaction, and it records
what it removed in the audit log. `dry_run` counts the same rows and changes nothing.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kuulo.audit.exports import delete_expired_exports, fail_stalled_exports
from kuulo.audit.models import AuditEvent
from kuulo.audit.services import record
from kuulo.feedback import invitations
from kuulo.feedback.models import (
    Answer,
    HeldAnswer,
    ImportStatus,
    Invitation,
    Response,
    ResponseContact,
    ResponseImport,
)
from kuulo.feedback.services import delete_responses
from kuulo.followups import services as followups
from kuulo.organisations.models import Organisation
from kuulo.webhooks.models import Delivery

from .models import RetentionPolicy

# Responses are deleted in slices: each slice is one transaction with its aggregates.
SLICE = 1000
MONTH = timedelta(days=30)


@dataclass
class Cutoffs:
    responses: datetime
    free_text: datetime
    contact_requests: datetime
    invitations: datetime
    held_answers: datetime
    rejected_imports: datetime
    webhook_deliveries: datetime
    audit_log: datetime

    @classmethod
    def of(cls, policy: RetentionPolicy, now: datetime) -> "Cutoffs":
        return cls(
            responses=now - policy.responses_months * MONTH,
            free_text=now - policy.free_text_months * MONTH,
            contact_requests=now - policy.contact_requests_months * MONTH,
            invitations=now - policy.invitations_months * MONTH,
            held_answers=now - policy.held_answers_months * MONTH,
            rejected_imports=now - timedelta(days=policy.rejected_imports_days),
            webhook_deliveries=now - timedelta(days=policy.webhook_deliveries_days),
            audit_log=now - policy.audit_log_months * MONTH,
        )


def policy_for(organisation: Organisation) -> RetentionPolicy:
    """The organisation's policy; the defaults until an admin changes them."""
    return RetentionPolicy.objects.filter(organisation=organisation).first() or RetentionPolicy(
        organisation=organisation
    )


def due(organisation: Organisation, now: datetime) -> dict[str, Any]:
    """What retention would remove now, as querysets per kind (nothing is changed)."""
    cut = Cutoffs.of(policy_for(organisation), now)
    org = organisation.pk
    return {
        "responses": Response.objects.filter(organisation_id=org, responded_at__lt=cut.responses),
        "free_text": Answer.objects.filter(
            response__organisation_id=org, response__responded_at__lt=cut.free_text
        ).exclude(text=""),
        # Contact details live as long as their follow-up is open, and the period after it
        # closed; details without a follow-up (none are left since follow-ups exist), the
        # period after they were given.
        "contact_requests": ResponseContact.objects.filter(
            response__organisation_id=org,
            response__follow_up__isnull=True,
            consented_at__lt=cut.contact_requests,
        ),
        "follow_ups": followups.closed_before(organisation, cut.contact_requests),
        "invitations": Invitation.objects.filter(
            publication__survey__organisation_id=org, created_at__lt=cut.invitations
        ),
        "held_answers": HeldAnswer.objects.filter(organisation_id=org, received_at__lt=cut.held_answers),
        "rejected_imports": ResponseImport.objects.filter(
            publication__survey__organisation_id=org,
            status__in=[ImportStatus.REJECTED, ImportStatus.FAILED],
            updated_at__lt=cut.rejected_imports,
        ).exclude(content=b""),
        "webhook_deliveries": Delivery.objects.filter(
            endpoint__organisation_id=org, created_at__lt=cut.webhook_deliveries
        ),
        "audit_log": AuditEvent.objects.filter(organisation_id=org, occurred_at__lt=cut.audit_log),
    }


def apply(
    organisation: Organisation, *, now: datetime | None = None, dry_run: bool = False
) -> dict[str, int]:
    """Remove what is past its period; returns how many rows of each kind (would) go."""
    now = now or timezone.now()
    querysets = due(organisation, now)
    if dry_run:
        return {kind: queryset.count() for kind, queryset in querysets.items()}
    counts = {"responses": _delete_responses(querysets["responses"])}
    with transaction.atomic():
        # Emptied, not deleted: the numbers of the response stay. The aggregates' count of
        # texts per day may then exceed the texts left; it only guides which days to read.
        counts["free_text"] = querysets["free_text"].update(text="")
        counts["contact_requests"] = querysets["contact_requests"].delete()[0]
        counts["follow_ups"] = followups.erase_cases(querysets["follow_ups"])
        counts["invitations"] = querysets["invitations"].delete()[0]
        counts["held_answers"] = querysets["held_answers"].delete()[0]
        counts["rejected_imports"] = querysets["rejected_imports"].update(content=b"", samples=[], values={})
        counts["webhook_deliveries"] = querysets["webhook_deliveries"].delete()[0]
        counts["audit_log"] = querysets["audit_log"].delete()[0]
        record("retention.applied", organisation=organisation, details=counts)
    return counts


def _delete_responses(queryset: Any) -> int:
    deleted = 0
    while ids := list(queryset.values_list("pk", flat=True)[:SLICE]):
        deleted += delete_responses(Response.objects.filter(pk__in=ids))
    return deleted


def apply_everywhere(*, now: datetime | None = None, dry_run: bool = False) -> dict[str, dict[str, int]]:
    """Every organisation's retention, and the invitation addresses whose week is over."""
    results = {
        organisation.slug: apply(organisation, now=now, dry_run=dry_run)
        for organisation in Organisation.objects.order_by("pk")
    }
    forgotten = invitations.forget_addresses(now=now, dry_run=dry_run)
    stalled = fail_stalled_exports(now=now, dry_run=dry_run)
    exports = delete_expired_exports(now=now, dry_run=dry_run)
    results["*"] = {"invitation_addresses": forgotten, "exports": exports, "stalled_exports": stalled}
    return results
