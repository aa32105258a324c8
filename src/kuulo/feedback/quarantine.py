"""Kiosk answers the server cannot store are held, never dropped.

A kiosk thanks the customer the moment they tap, then sends the answer when the
network allows. If the server refuses it then (the survey was closed meanwhile, the
kiosk's unit archived, a question changed under it), the answer must not vanish: it is
kept here, with free text redacted like any answer and the reason in the receiver's
words, and the kiosk may forget it. A CX lead sees the held answers with their reasons,
accepts them once the cause is fixed, or discards them.
"""

import uuid
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kuulo.audit.services import record
from kuulo.core.redaction import redact
from kuulo.organisations.access import Permission

from . import ingest
from .models import Channel, HeldAnswer, HeldAnswerStatus, Kiosk

# A stolen kiosk token must not be able to fill the database: past this many answers on
# hold, the kiosk is refused (its answers stay queued on the device) until someone looks.
MAX_HELD_PER_LINK = 10_000
MAX_ANSWERS = 50
MAX_TEXT = 5000
DECIDE = Permission.CONFIGURE_FEEDBACK


def receive(kiosk: Kiosk, items: list[ingest.IncomingResponse]) -> ingest.IngestResult:
    """Store a kiosk's batch: what the checks accept is stored, the rest is held. Either
    way the kiosk may forget every answer of the batch. Raises BatchRejected only for
    the batch as a whole (empty, too large, or too much on hold already)."""
    ingest.check_batch_size(items)
    # Reasons are kept in the unit's service language, not in whatever language the tablet
    # was switched to by its last customer: the unit's staff read them.
    with translation.override(kiosk.publication.unit.language):
        prepared, errors = ingest.prepare(kiosk.api_key, items, Permission.SUBMIT_RESPONSES)
    with transaction.atomic():
        try:
            result = ingest.store(prepared, len(items))
        except ingest.KeyConflict as conflict:
            errors += conflict.errors
            refused = {error.index for error in conflict.errors}
            result = ingest.store([entry for entry in prepared if entry.index not in refused], len(items))
        result.held = _hold(kiosk, items, errors)
    return result


def _hold(kiosk: Kiosk, items: list[ingest.IncomingResponse], errors: list[ingest.ItemError]) -> list[int]:
    reasons: dict[int, list[dict[str, str]]] = {}
    for error in errors:
        reasons.setdefault(error.index, []).append({"field": error.field, "message": error.message})
    if not reasons:
        return []
    publication = kiosk.publication
    waiting = HeldAnswer.objects.filter(publication=publication, status=HeldAnswerStatus.HELD).count()
    if waiting + len(reasons) > MAX_HELD_PER_LINK:
        message = _("Too many answers of this kiosk are on hold. Ask your CX lead to look at them.")
        raise ingest.BatchRejected([ingest.ItemError(-1, "responses", message)])
    HeldAnswer.objects.bulk_create(
        [
            HeldAnswer(
                organisation_id=publication.unit.organisation_id,
                unit_id=publication.unit_id,
                publication=publication,
                kiosk=kiosk,
                source_key=(items[index].idempotency_key or f"held-{uuid.uuid4()}")[:200],
                payload=_payload(items[index]),
                reasons=item_reasons,
            )
            for index, item_reasons in sorted(reasons.items())
        ],
        ignore_conflicts=True,  # a resend of an answer held before is held once
    )
    return sorted(reasons)


def _payload(item: ingest.IncomingResponse) -> dict[str, Any]:
    """What the kiosk sent, bounded, with personal data redacted from every text."""
    answers: dict[str, Any] = {}
    for code, value in list(item.answers.items())[:MAX_ANSWERS]:
        if isinstance(value, str):
            answers[str(code)[:100]] = redact(value[:MAX_TEXT])
        elif isinstance(value, bool | int | float) or value is None:
            answers[str(code)[:100]] = value
        elif isinstance(value, list):
            answers[str(code)[:100]] = [redact(str(v)[:200]) for v in value[:MAX_ANSWERS]]
    return {
        "answers": answers,
        "responded_at": item.responded_at.isoformat() if item.responded_at else None,
        "language": str(item.language)[:2],
        "respondent_type": str(item.respondent_type)[:20],
        "age_band": str(item.age_band)[:10],
    }


def held_answers(queryset: QuerySet[HeldAnswer]) -> QuerySet[HeldAnswer]:
    return queryset.filter(status=HeldAnswerStatus.HELD).select_related(
        "publication__survey", "unit", "kiosk"
    )


def accept(held: HeldAnswer, *, user: Any, request: HttpRequest | None = None) -> int:
    """Store a held answer as the response it is (questions the kiosk never asked may stay
    unanswered); returns its id. If it still cannot be stored, it stays on hold with the
    new reason and ValidationError says why."""
    payload = held.payload
    responded_at = payload.get("responded_at")
    item = ingest.IncomingResponse(
        link=held.publication.code,
        answers=payload.get("answers", {}),
        responded_at=datetime.fromisoformat(responded_at) if responded_at else None,
        language=payload.get("language", "fi"),
        channel=Channel.KIOSK,
        idempotency_key=held.source_key,
        respondent_type=payload.get("respondent_type", ""),
        age_band=payload.get("age_band", ""),
    )
    with transaction.atomic():
        locked = HeldAnswer.objects.select_for_update().get(pk=held.pk)
        if locked.status != HeldAnswerStatus.HELD:
            raise ValidationError(_("This answer has been dealt with already."))
        prepared, errors = ingest.prepare(user, [item], DECIDE, enforce_required=False)
        if not errors:
            try:
                result = ingest.store(prepared, 1)
            except ingest.KeyConflict as conflict:
                errors = conflict.errors
        if errors:
            HeldAnswer.objects.filter(pk=held.pk).update(
                reasons=[{"field": e.field, "message": e.message} for e in errors]
            )
        else:
            _decide(held, HeldAnswerStatus.ACCEPTED, user)
            record(
                "held_answer.accepted",
                request=request,
                actor=user,
                target=held,
                organisation=held.organisation,
            )
    if errors:
        raise ValidationError([error.message for error in errors])
    response_id = result.ids[0]
    assert response_id is not None
    return response_id


@transaction.atomic
def discard(held: HeldAnswer, *, user: Any, request: HttpRequest | None = None) -> None:
    """Give up a held answer (spam, a test tap); what it said is deleted, the fact stays."""
    if not HeldAnswer.objects.filter(pk=held.pk, status=HeldAnswerStatus.HELD).exists():
        raise ValidationError(_("This answer has been dealt with already."))
    _decide(held, HeldAnswerStatus.DISCARDED, user)
    record("held_answer.discarded", request=request, actor=user, target=held, organisation=held.organisation)


def _decide(held: HeldAnswer, status: str, user: Any) -> None:
    # Once stored as a response or given up, the held copy of the answers is not needed.
    held.status, held.payload, held.decided_by, held.decided_at = status, {}, user, timezone.now()
    held.save(update_fields=["status", "payload", "decided_by", "decided_at"])
