"""Receiving responses in bulk from other systems (the ingest API) and imports.

A batch is all or nothing: every item is validated first, errors are reported per
item and field, and only a batch without errors is stored, in one transaction.
Each item may carry an idempotency key; an item whose key is already stored is
reported as a duplicate and never stored twice, so a client can safely retry.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuulo.organisations.access import Permission, has_permission

from . import services
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


class BatchRejected(Exception):
    def __init__(self, errors: list[ItemError]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass
class _Prepared:
    index: int
    publication: SurveyPublication
    response: Response
    answers: list[Answer]


def _questions(
    publication: SurveyPublication, cache: dict[int, list[SurveyQuestion]]
) -> list[SurveyQuestion]:
    if publication.survey_id not in cache:
        questions = publication.survey.questions.select_related("item_version__item").order_by("order")
        cache[publication.survey_id] = list(questions)
    return cache[publication.survey_id]


def ingest(principal: Any, items: list[IncomingResponse]) -> IngestResult:
    """Validate the whole batch for `principal` (an API key or user), then store it.
    Raises BatchRejected with every error found; nothing is stored then."""
    if not items:
        raise BatchRejected([ItemError(-1, "responses", _("The batch is empty."))])
    if len(items) > MAX_BATCH:
        raise BatchRejected(
            [ItemError(-1, "responses", _("At most %(max)s responses per batch.") % {"max": MAX_BATCH})]
        )
    errors: list[ItemError] = []
    publications = {
        p.code: p
        for p in SurveyPublication.objects.select_related("survey", "unit").filter(
            code__in={i.link for i in items}
        )
    }
    question_cache: dict[int, list[SurveyQuestion]] = {}
    prepared: list[_Prepared] = []
    seen_keys: set[str] = set()
    for index, item in enumerate(items):
        publication = publications.get(item.link)
        if publication is None or not has_permission(
            principal, Permission.SUBMIT_RESPONSES, publication.unit
        ):
            # Unknown and not-allowed links look the same: no leak of other units' links.
            errors.append(ItemError(index, "link", _("No survey link with this code is open to you.")))
            continue
        if publication.survey.status != SurveyStatus.PUBLISHED or not publication.active:
            errors.append(ItemError(index, "link", _("This survey is not open for answers.")))
            continue
        item_errors = _check_fields(index, item, seen_keys)
        questions = _questions(publication, question_cache)
        by_code = {q.item_version.item.code: q for q in questions}
        unknown = sorted(set(item.answers) - set(by_code))
        item_errors += [
            ItemError(index, f"answers.{code}", _("The survey has no question with this code."))
            for code in unknown
        ]
        raw = {by_code[code].pk: value for code, value in item.answers.items() if code in by_code}
        answers, answer_errors = services.validate_submission(
            publication.survey, services.Submission(answers=raw, language=item.language), questions
        )
        code_of = {q.pk: code for code, q in by_code.items()}
        for question_id, error in answer_errors.items():
            item_errors.append(ItemError(index, f"answers.{code_of[question_id]}", " ".join(error.messages)))
        if not answers and not item_errors:
            item_errors.append(ItemError(index, "answers", _("Answer at least one question.")))
        if item_errors:
            errors += item_errors
            continue
        response = Response(
            organisation_id=publication.survey.organisation_id,
            unit_id=publication.unit_id,
            touchpoint_id=publication.survey.touchpoint_id,
            survey_id=publication.survey_id,
            publication=publication,
            channel=item.channel,
            responded_at=item.responded_at or timezone.now(),
            language=item.language,
            respondent_type=item.respondent_type,
            age_band=item.age_band,
            attributes=item.attributes,
            source_key=item.idempotency_key,
        )
        prepared.append(_Prepared(index, publication, response, answers))
    if errors:
        raise BatchRejected(errors)
    return _store(prepared, len(items))


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


def _store(prepared: list[_Prepared], count: int) -> IngestResult:
    ids: list[int | None] = [None] * count
    created: list[int] = []
    duplicates: list[int] = []
    by_org: dict[int, set[str]] = {}
    for entry in prepared:
        if entry.response.source_key:
            by_org.setdefault(entry.response.organisation_id, set()).add(entry.response.source_key)
    existing: dict[tuple[int, str | None], int] = {}
    for organisation_id, keys in by_org.items():
        for pk, key in Response.objects.filter(
            organisation_id=organisation_id, source_key__in=keys
        ).values_list("pk", "source_key"):
            existing[(organisation_id, key)] = pk
    new = []
    for entry in prepared:
        key = entry.response.source_key
        if key and (entry.response.organisation_id, key) in existing:
            ids[entry.index] = existing[(entry.response.organisation_id, key)]
            duplicates.append(entry.index)
        else:
            new.append(entry)
    try:
        with transaction.atomic():
            Response.objects.bulk_create([entry.response for entry in new], batch_size=500)
            answers = []
            for entry in new:
                for answer in entry.answers:
                    answer.response = entry.response
                    answers.append(answer)
            Answer.objects.bulk_create(answers, batch_size=1000)
    except IntegrityError:
        # Another request stored one of these keys in the meantime: take them one by one.
        return _store_one_by_one(prepared, count)
    for entry in new:
        ids[entry.index] = entry.response.pk
        created.append(entry.index)
    return IngestResult(created=created, ids=ids, duplicates=duplicates)


def _store_one_by_one(prepared: list[_Prepared], count: int) -> IngestResult:
    ids: list[int | None] = [None] * count
    created, duplicates = [], []
    with transaction.atomic():
        for entry in prepared:
            key = entry.response.source_key
            found = (
                Response.objects.filter(
                    organisation_id=entry.response.organisation_id, source_key=key
                ).first()
                if key
                else None
            )
            if found is not None:
                ids[entry.index] = found.pk
                duplicates.append(entry.index)
                continue
            entry.response.pk = None
            entry.response.save()
            for answer in entry.answers:
                answer.pk = None
                answer.response = entry.response
            Answer.objects.bulk_create(entry.answers)
            ids[entry.index] = entry.response.pk
            created.append(entry.index)
    return IngestResult(created=created, ids=ids, duplicates=duplicates)
