"""Receiving responses in bulk from other systems (the ingest API) and imports.

A batch is all or nothing: every item is validated first, errors are reported per
item and field, and only a batch without errors is stored, in one transaction.
Each item may carry an idempotency key, scoped to its survey link: an item whose
key is already stored with the same content is reported as a duplicate and never
stored twice, so a client can safely retry; the same key with other content is a
conflict (the way payment APIs treat a reused key), and nothing is stored.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from kuulo.core.redaction import redact
from kuulo.organisations.access import Permission, has_permission
from kuulo.organisations.models import ApiKey

from .bulk_insert import insert_rows
from .models import (
    AgeBand,
    Answer,
    Channel,
    RespondentType,
    Response,
    SurveyPublication,
    SurveyQuestion,
    SurveyStatus,
)
from .services.responses import CleanAnswer, Submission, validate_submission
from .signals import ResponseFacts, responses_stored

MAX_BATCH = 1000
INGEST_CHANNELS = set(Channel.values) - {Channel.VERBAL}  # verbal feedback is recorded by staff


@dataclass
class IncomingResponse:
    """One response as another system sends it: answers keyed by catalogue item code."""

    link: str  # the publication's link code: which survey, which unit
    answers: dict[str, Any]
    responded_at: datetime | None = None
    language: str = "fi"
    channel: str = Channel.API
    idempotency_key: str | None = None
    respondent_type: str = ""
    age_band: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    # An imported response its respondent never finished: its required questions may be
    # unanswered (the API never sets it).
    partial: bool = False


@dataclass
class ItemError:
    index: int
    field: str
    message: str


@dataclass
class IngestResult:
    ids: list[int | None]  # the stored response id for each item of the batch, in order
    created: list[int]  # indexes of the items stored now
    duplicates: list[int]  # indexes of items whose idempotency key was stored before
    held: list[int] = field(default_factory=list)  # a kiosk's items kept on hold (quarantine.py)


class BatchRejected(Exception):
    def __init__(self, errors: list[ItemError]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


class KeyConflict(BatchRejected):
    """Idempotency keys stored before with other content: nothing of the batch is stored."""


def _conflict(index: int) -> ItemError:
    return ItemError(
        index,
        "idempotency_key",
        _("This key was used before for a different response. Use a new key for a new response."),
    )


@dataclass
class _Prepared:
    index: int
    response: dict[str, Any]  # column values of the Response row, by field name
    answers: list[CleanAnswer]


@dataclass
class _Link:
    """What a batch needs to know about one survey link, worked out once per batch."""

    open_to_caller: bool
    taking_answers: bool
    survey: Any
    questions: list[SurveyQuestion]
    by_code: dict[str, SurveyQuestion]
    code_of: dict[int, str]
    row: dict[str, Any]  # the response columns every response through this link shares
    channel: str | None  # the only channel allowed (a kiosk's token answers only as the kiosk)
    attribute_keys: frozenset[str]  # the attributes the organisation declared


def _links(principal: Any, codes: set[str], permission: str) -> dict[str, _Link]:
    # A kiosk's device token reaches only the kiosk's own survey link, not its whole unit.
    kiosk = getattr(principal, "kiosk", None) if isinstance(principal, ApiKey) else None
    kiosk_publication = kiosk.publication_id if kiosk is not None else None
    publications = (
        SurveyPublication.objects.select_related("survey__organisation", "unit")
        .filter(code__in=codes)
        .prefetch_related(
            Prefetch(
                "survey__questions",
                queryset=SurveyQuestion.objects.select_related("item_version__item").order_by("order"),
            )
        )
    )
    links = {}
    for publication in publications:
        survey = publication.survey
        questions = list(survey.questions.all())
        by_code = {q.item_version.item.code: q for q in questions}
        links[publication.code] = _Link(
            open_to_caller=has_permission(principal, permission, publication.unit)
            and kiosk_publication in (None, publication.pk),
            taking_answers=survey.status == SurveyStatus.PUBLISHED and publication.active,
            survey=survey,
            questions=questions,
            by_code=by_code,
            code_of={q.pk: code for code, q in by_code.items()},
            channel=Channel.KIOSK if kiosk_publication else None,
            attribute_keys=frozenset(survey.organisation.response_attributes),
            row={
                "organisation_id": survey.organisation_id,
                "unit_id": publication.unit_id,
                "touchpoint_id": survey.touchpoint_id,
                "survey_id": survey.pk,
                "publication_id": publication.pk,
                "sentiment": "",
            },
        )
    return links


def ingest(principal: Any, items: list[IncomingResponse]) -> IngestResult:
    """Validate the whole batch for `principal` (an API key or user), then store it.
    Raises BatchRejected with every error found; nothing is stored then."""
    check_batch_size(items)
    prepared, errors = prepare(principal, items, Permission.SUBMIT_RESPONSES)
    if errors:
        raise BatchRejected(errors)
    return store(prepared, len(items))


def check_batch_size(items: list[IncomingResponse]) -> None:
    if not items:
        raise BatchRejected([ItemError(-1, "responses", _("The batch is empty."))])
    if len(items) > MAX_BATCH:
        raise BatchRejected(
            [ItemError(-1, "responses", _("At most %(max)s responses per batch.") % {"max": MAX_BATCH})]
        )


def prepare(
    principal: Any,
    items: list[IncomingResponse],
    permission: str,
    *,
    first_index: int = 0,
    seen_keys: set[str] | None = None,
    enforce_required: bool = True,
) -> tuple[list[_Prepared], list[ItemError]]:
    """Check every item; return the rows ready to store and the errors found.

    An import checks its file in slices: `first_index` numbers this slice's items
    within the whole file and `seen_keys` carries the keys of earlier slices, so a
    key repeated anywhere in the file is caught. Without `enforce_required`, required
    questions may be unanswered (see services.validate_submission)."""
    links = _links(principal, {item.link for item in items}, permission)
    errors: list[ItemError] = []
    now = timezone.now()
    prepared: list[_Prepared] = []
    seen_keys = set() if seen_keys is None else seen_keys
    for index, item in enumerate(items, start=first_index):
        link = links.get(item.link)
        if link is None or not link.open_to_caller:
            # Unknown and not-allowed links look the same: no leak of other units' links.
            errors.append(ItemError(index, "link", _("No survey link with this code is open to you.")))
            continue
        if not link.taking_answers:
            errors.append(ItemError(index, "link", _("This survey is not open for answers.")))
            continue
        item_errors = _check_fields(index, item, seen_keys)
        attributes, attribute_errors = _attributes(index, item.attributes, link.attribute_keys)
        item_errors += attribute_errors
        item_errors += [
            ItemError(index, f"answers.{code}", _("The survey has no question with this code."))
            for code in sorted(set(item.answers) - set(link.by_code))
        ]
        raw = {link.by_code[code].pk: value for code, value in item.answers.items() if code in link.by_code}
        answers, answer_errors = validate_submission(
            link.survey,
            Submission(answers=raw, language=item.language),
            link.questions,
            enforce_required=enforce_required and not item.partial,
        )
        for question_id, error in answer_errors.items():
            item_errors.append(
                ItemError(index, f"answers.{link.code_of[question_id]}", " ".join(error.messages))
            )
        if not answers and not item_errors:
            item_errors.append(ItemError(index, "answers", _("Answer at least one question.")))
        if item_errors:
            errors += item_errors
            continue
        response = {
            **link.row,
            "channel": link.channel or item.channel,
            "responded_at": item.responded_at or now,
            "received_at": now,
            "language": item.language,
            "respondent_type": item.respondent_type,
            "age_band": item.age_band,
            "attributes": attributes,
            "source_key": item.idempotency_key,
            "source_digest": _digest(item, answers) if item.idempotency_key else "",
        }
        prepared.append(_Prepared(index, response, answers))
    return prepared, errors


# A value of a declared attribute: a short fact (campus, programme), not a document.
MAX_ATTRIBUTE_LENGTH = 200


def _attributes(
    index: int, raw: dict[str, Any], declared: frozenset[str]
) -> tuple[dict[str, Any], list[ItemError]]:
    """Only the organisation's declared attributes, each a short value, text redacted."""
    clean: dict[str, Any] = {}
    errors = []
    for key, value in raw.items():
        name = str(key).strip().lower()
        if name not in declared:
            message = _("Unknown attribute: declare it in the organisation's settings first.")
            errors.append(ItemError(index, f"attributes.{name[:50]}", message))
        elif isinstance(value, bool | int | float) or value is None:
            clean[name] = value
        elif isinstance(value, str) and len(value) <= MAX_ATTRIBUTE_LENGTH:
            clean[name] = redact(value.strip())
        else:
            message = _("Give a number or a text of at most %(max)s characters.") % {
                "max": MAX_ATTRIBUTE_LENGTH
            }
            errors.append(ItemError(index, f"attributes.{name}", message))
    return clean, errors


def _digest(item: IncomingResponse, answers: list[CleanAnswer]) -> str:
    """What a keyed item says, independent of how its JSON was written (key order,
    "4" or 4): a resend has the same digest, another response under the same key not."""
    content = {
        "link": item.link,
        # "Can't say" and amounts only where given: digests stored before they existed stay.
        "answers": sorted(
            (
                a.item_version_id,
                a.number,
                a.choices,
                a.text,
                *(("cant_say",) if a.cant_say else ()),
                *(("amount", str(a.amount)) if a.amount is not None else ()),
            )
            for a in answers
        ),
        "responded_at": item.responded_at.isoformat() if item.responded_at else None,
        "language": item.language,
        "channel": item.channel,
        "respondent_type": item.respondent_type,
        "age_band": item.age_band,
        "attributes": item.attributes,
    }
    encoded = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def _check_fields(index: int, item: IncomingResponse, seen_keys: set[str]) -> list[ItemError]:
    errors = []
    if item.language not in ("fi", "sv", "en"):
        errors.append(ItemError(index, "language", _("Use fi, sv or en.")))
    if item.channel not in INGEST_CHANNELS:
        errors.append(ItemError(index, "channel", _("Unknown channel.")))
    if item.respondent_type and item.respondent_type not in RespondentType.values:
        errors.append(ItemError(index, "respondent_type", _("Unknown respondent type.")))
    if item.age_band and item.age_band not in AgeBand.values:
        errors.append(ItemError(index, "age_band", _("Unknown age group.")))
    if item.responded_at is not None:
        if timezone.is_naive(item.responded_at):
            errors.append(ItemError(index, "responded_at", _("Give the time with its time zone.")))
        elif item.responded_at > timezone.now() + timedelta(minutes=5):
            errors.append(ItemError(index, "responded_at", _("The time is in the future.")))
    if item.idempotency_key is not None:
        if not 1 <= len(item.idempotency_key) <= 200:
            errors.append(ItemError(index, "idempotency_key", _("Use 1–200 characters.")))
        elif item.idempotency_key in seen_keys:
            errors.append(ItemError(index, "idempotency_key", _("The same key appears twice in this batch.")))
        seen_keys.add(item.idempotency_key)
    return errors


# Keys looked up per query: far below the databases' limits on query parameters.
LOOKUP_CHUNK = 500


def store(prepared: list[_Prepared], count: int) -> IngestResult:
    """Store checked rows in one transaction; rows whose key is stored already (through
    the same link, with the same content) are reported as duplicates. Raises KeyConflict,
    storing nothing, when a key was stored with other content. `count` is the size of
    the whole batch or file."""
    ids: list[int | None] = [None] * count
    duplicates: list[int] = []
    existing = _stored_keys(prepared)
    conflicts = []
    new = []
    for entry in prepared:
        found = existing.get((entry.response["publication_id"], entry.response["source_key"]))
        if entry.response["source_key"] and found is not None:
            if not _same_content(found[1], entry):
                conflicts.append(_conflict(entry.index))
                continue
            ids[entry.index] = found[0]
            duplicates.append(entry.index)
        else:
            new.append(entry)
    if conflicts:
        raise KeyConflict(conflicts)
    try:
        with transaction.atomic():
            new_ids = insert_rows(Response, [entry.response for entry in new], returning=True)
            answer_rows = [
                {
                    "response_id": response_id,
                    "item_version_id": answer.item_version_id,
                    "number": answer.number,
                    "choices": answer.choices,
                    "text": answer.text,
                    "cant_say": answer.cant_say,
                    "amount": answer.amount,
                }
                for entry, response_id in zip(new, new_ids, strict=True)
                for answer in entry.answers
            ]
            insert_rows(Answer, answer_rows, returning=False)
            responses_stored.send(
                sender=Response,
                responses=[
                    ResponseFacts.of(entry.response, entry.answers, response_id)
                    for entry, response_id in zip(new, new_ids, strict=True)
                ],
            )
    except IntegrityError:
        # Another request stored one of these keys in the meantime: take them one by one.
        return _store_one_by_one(prepared, count)
    for entry, response_id in zip(new, new_ids, strict=True):
        ids[entry.index] = response_id
    return IngestResult(ids=ids, created=[entry.index for entry in new], duplicates=duplicates)


def _stored_keys(prepared: list[_Prepared]) -> dict[tuple[int, str | None], tuple[int, str]]:
    """(publication, key) → (response id, digest) of the batch's keys stored already."""
    keys_by_link: dict[int, set[str]] = {}
    for entry in prepared:
        if entry.response["source_key"]:
            keys_by_link.setdefault(entry.response["publication_id"], set()).add(entry.response["source_key"])
    existing = {}
    for publication_id, keys in keys_by_link.items():
        ordered = sorted(keys)
        for start in range(0, len(ordered), LOOKUP_CHUNK):
            stored = Response.objects.filter(
                publication_id=publication_id, source_key__in=ordered[start : start + LOOKUP_CHUNK]
            )
            for pk, key, digest in stored.values_list("pk", "source_key", "source_digest"):
                existing[(publication_id, key)] = (pk, digest)
    return existing


def _same_content(stored_digest: str, entry: _Prepared) -> bool:
    # Responses stored before digests were kept have none: a resend of them is a duplicate.
    return not stored_digest or stored_digest == entry.response["source_digest"]


def _store_one_by_one(prepared: list[_Prepared], count: int) -> IngestResult:
    ids: list[int | None] = [None] * count
    created, duplicates = [], []
    stored: list[ResponseFacts] = []
    with transaction.atomic():
        for entry in prepared:
            key = entry.response["source_key"]
            publication_id = entry.response["publication_id"]
            found = (
                Response.objects.filter(publication_id=publication_id, source_key=key).first()
                if key
                else None
            )
            if found is not None:
                if not _same_content(found.source_digest, entry):
                    raise KeyConflict([_conflict(entry.index)])
                ids[entry.index] = found.pk
                duplicates.append(entry.index)
                continue
            response = Response.objects.create(**entry.response)
            Answer.objects.bulk_create([answer.as_model(response) for answer in entry.answers])
            ids[entry.index] = response.pk
            created.append(entry.index)
            stored.append(ResponseFacts.of(entry.response, entry.answers, response.pk))
        responses_stored.send(sender=Response, responses=stored)
    return IngestResult(ids=ids, created=created, duplicates=duplicates)
